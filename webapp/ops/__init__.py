"""Operations face (issue 20): what load balancers and monitoring ask, never a person.

- `/healthz`: the process answers (no database, no template): a load balancer's liveness probe.
- `/readyz`: ready to serve: the database answers, its schema is at this version's head, the instance
  folder's disk has room (503 naming the failing check otherwise); and the job worker was heard from recently
  ("degraded", still 200, when it was not: the app serves, messages wait).
- `/metrics`: Prometheus text. Not public: answered to loopback, or to a bearer token (`LINLI_METRICS_TOKEN`);
  everyone else gets a 404, as if it did not exist.
"""

from __future__ import annotations

import hmac
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from webapp.infra.db import get_session

bp = Blueprint("ops", __name__)
log = logging.getLogger("linli.ops")

MIN_FREE_BYTES = 500 * 1024 * 1024  # below this SQLite, logs and uploads start failing in odd places
WORKER_QUIET = timedelta(minutes=5)
LOOPBACK = {"127.0.0.1", "::1"}


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str = ""


def _database() -> Check:
    try:
        get_session().execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach it is the answer, not an error of ours
        return Check(False, type(exc).__name__)
    return Check(True)


def _schema() -> Check:
    from webapp.infra.schema import pending

    try:
        problem = pending(get_session().connection())
    except Exception as exc:
        return Check(False, type(exc).__name__)
    return Check(problem is None, problem or "")


def _disk() -> Check:
    free = shutil.disk_usage(current_app.instance_path).free
    return Check(free >= MIN_FREE_BYTES, f"{free // (1024 * 1024)} MiB free")


def _worker() -> Check:
    """The job worker claims a period of its one-minute sweep every minute (webapp/jobs/periods.py): the
    newest claim says when a worker was last alive. A queue that runs tasks in the caller has no worker."""
    if current_app.config["LINLI"].queue_url == "immediate":
        return Check(True, "tasks run in the web process")
    from sqlalchemy import func, select

    from webapp.infra import clock
    from webapp.models import JobPeriod

    last = get_session().scalar(select(func.max(JobPeriod.started_at)))
    if last is None:
        return Check(False, "no worker heard from yet: start `flask --app wsgi worker`")
    if last.tzinfo is None:
        last = last.replace(tzinfo=clock.now().tzinfo)
    quiet = clock.now() - last
    if quiet > WORKER_QUIET:
        return Check(False, f"no worker heard from for {int(quiet.total_seconds() // 60)} minutes")
    return Check(True, f"heard from {int(quiet.total_seconds())} s ago")


BACKUP_OLD = timedelta(hours=26)


def _backup() -> Check:
    """The last scheduled backup (webapp/jobs/backups.py): when, how big, or why it failed."""
    settings = current_app.config["LINLI"]
    if not settings.backup_dir:
        return Check(True, "no scheduled backup (set LINLI_BACKUP_DIR)")
    from sqlalchemy import select

    from webapp.infra import clock
    from webapp.models import BackupRun

    last = get_session().scalar(
        select(BackupRun).order_by(BackupRun.started_at.desc(), BackupRun.id.desc()).limit(1)
    )
    if last is None:
        return Check(False, "no backup made yet")
    when = last.finished_at.isoformat(timespec="seconds")
    if not last.ok:
        return Check(False, f"the backup at {when} failed: {last.detail}")
    if clock.now() - last.finished_at > BACKUP_OLD:
        return Check(False, f"the last backup is from {when}")
    return Check(True, f"last backup {when}, {last.size} bytes")


DEGRADING = frozenset({"worker", "backup"})  # reported, but the app server still serves without them
CHECKS: dict[str, Callable[[], Check]] = {
    "database": _database,
    "schema": _schema,
    "disk": _disk,
    "worker": _worker,
    "backup": _backup,
}


def _safely(check: Callable[[], Check]) -> Check:
    """A check that cannot run (a table missing on a database behind head) fails in words, not with a 500;
    the session is rolled back so the next check starts clean (PostgreSQL aborts the transaction)."""
    try:
        return check()
    except Exception as exc:
        get_session().rollback()
        log.warning("readiness check %s failed", getattr(check, "__name__", "?"), exc_info=True)
        return Check(False, type(exc).__name__)  # the detail (hosts, users, SQL) goes to the log, not out


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """For load balancers and the benchmark: answers without touching templates or the database."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """503 only for what this app server needs to answer (database, schema, disk): a load balancer must not
    take every app server out because the job worker stopped. A silent worker makes the status "degraded"
    (200) for the monitoring box to alert on, while residents are still served and messages wait."""
    results = {name: _safely(check) for name, check in CHECKS.items()}
    ready = all(r.ok for name, r in results.items() if name not in DEGRADING)
    degraded = ready and not all(r.ok for r in results.values())
    body = {
        "status": "degraded" if degraded else "ready" if ready else "not ready",
        "checks": {name: {"ok": r.ok, "detail": r.detail} for name, r in results.items()},
    }
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _may_see_metrics() -> bool:
    token = current_app.config["LINLI"].metrics_token
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    if not _may_see_metrics():
        abort(404)
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from webapp.ops.gauges import registry

    return Response(
        generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"}
    )


def init_app(app: Flask) -> None:
    from webapp.infra import metrics

    metrics.init_app(app)
    app.register_blueprint(bp)
