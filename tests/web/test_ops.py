"""Health, readiness and metrics (issue 20): what a load balancer and a monitoring box are told."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flask import Flask

from webapp import create_app, migrations
from webapp.infra.db import database, make_engine
from webapp.infra.schema import head_revision

ROOT = Path(__file__).resolve().parents[2]


def _sample(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_healthz_answers_without_the_database(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def _worker_heard(session, minutes_ago: float) -> None:
    from datetime import timedelta

    from webapp.infra import clock
    from webapp.models import JobPeriod

    at = clock.now() - timedelta(minutes=minutes_ago)
    session.add(
        JobPeriod(
            name="sweep_every_minute", period=at.strftime("%Y-%m-%dT%H:%M"), worker="test:1", started_at=at
        )
    )
    session.commit()


def test_readyz_is_ready_on_a_database_at_head(app: Flask, session) -> None:
    _worker_heard(session, 0.5)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ready"
    assert set(body["checks"]) >= {"database", "schema", "disk", "worker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_says_when_no_worker_was_heard_from(app: Flask, session) -> None:
    client = app.test_client()
    never = client.get("/readyz")
    assert never.status_code == 200  # residents are still served: the load balancer keeps this server
    assert never.get_json()["status"] == "degraded"
    assert "flask --app wsgi worker" in never.get_json()["checks"]["worker"]["detail"]
    _worker_heard(session, 12)
    quiet = client.get("/readyz").get_json()["checks"]["worker"]
    assert quiet["ok"] is False
    assert "12 minutes" in quiet["detail"]


def test_metrics_show_the_message_queue_by_channel(app: Flask, session, demo_community) -> None:
    from webapp.models import OutboxMessage

    before = _sample(
        app.test_client().get("/metrics").get_data(as_text=True), "linli_messages_waiting", channel="sms"
    )
    session.add(
        OutboxMessage(
            community_id=demo_community.id,
            recipient_kind="group",
            channel="sms",
            kind="test",
            params={},
            locale="zh_Hans",
            key="metrics-test-1",
        )
    )
    session.commit()
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert _sample(text, "linli_messages_waiting", channel="sms") == before + 1


def test_readyz_names_a_schema_behind_head_and_a_full_disk(databases, tmp_path: Path, monkeypatch) -> None:
    url = databases.new("behind")
    engine = make_engine(url)
    migrations.upgrade(engine, "0012_staff_invitations")
    engine.dispose()
    behind = create_app({"database_url": url, "instance_path": tmp_path, "testing": True})
    try:
        response = behind.test_client().get("/readyz")
        assert response.status_code == 503
        schema = response.get_json()["checks"]["schema"]
        assert schema["ok"] is False
        assert "0012_staff_invitations" in schema["detail"]
        assert "flask --app wsgi db upgrade" in schema["detail"]
        assert response.get_json()["checks"]["database"]["ok"] is True

        import webapp.ops as ops

        monkeypatch.setattr(ops, "MIN_FREE_BYTES", 1 << 60)
        disk = behind.test_client().get("/readyz").get_json()["checks"]["disk"]
        assert disk["ok"] is False
        assert "MiB free" in disk["detail"]
    finally:
        database(behind).engine.dispose()


def test_metrics_count_requests_by_group_and_only_loopback_or_the_token_reads_them(app: Flask) -> None:
    client = app.test_client()
    before = _sample(
        client.get("/metrics").get_data(as_text=True), "linli_requests_total", group="ops", status="2xx"
    )
    for _ in range(3):
        client.get("/healthz")
    page = client.get("/metrics")
    assert page.status_code == 200
    assert page.mimetype == "text/plain"
    text = page.get_data(as_text=True)
    assert _sample(text, "linli_requests_total", group="ops", status="2xx") - before == 3
    assert "linli_request_seconds_bucket" in text
    assert re.search(r"^linli_kiosks_online \d", text, re.MULTILINE)
    # From elsewhere: as if it did not exist. Through a proxy (X-Forwarded-For): elsewhere too.
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404


def test_metrics_token_lets_the_monitoring_box_in(databases, tmp_path: Path) -> None:
    url = databases.new("metrics")
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    other = create_app(
        {"database_url": url, "instance_path": tmp_path, "testing": True, "metrics_token": "s3cret"}
    )
    try:
        client = other.test_client()
        remote = {"REMOTE_ADDR": "192.0.2.20"}
        assert client.get("/metrics", environ_base=remote).status_code == 404
        assert (
            client.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer nope"}).status_code
            == 404
        )
        ok = client.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
    finally:
        database(other).engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(url: str, instance: Path, port: int, workers: int = 2) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        DATABASE_URL=url,
        LINLI_INSTANCE_PATH=str(instance),
        LINLI_BIND=f"127.0.0.1:{port}",
        LINLI_WORKERS=str(workers),
        PROMETHEUS_MULTIPROC_DIR=str(instance / "metrics"),
    )
    env.pop("FLASK_RUN_FROM_CLI", None)
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_under_gunicorn_metrics_add_up_every_worker(databases, tmp_path: Path) -> None:
    url = databases.new("gunicorn")
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    port = _free_port()
    server = _gunicorn(url, tmp_path, port)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.2)
        base = _sample(_get(port, "/metrics")[1], "linli_requests_total", group="ops")
        try:
            for _ in range(40):  # two workers share these
                assert _get(port, "/healthz")[0] == 200
        except OSError as error:  # say what gunicorn said (a worker killed, or ended, while serving?)
            server.terminate()
            raise AssertionError(
                f"{error!r}; gunicorn said: {server.communicate(timeout=30)[0][-6000:]}"
            ) from error
        status, text = _get(port, "/metrics")
        assert status == 200
        assert _sample(text, "linli_requests_total", group="ops") - base == 40
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_server_refuses_to_start_on_a_database_behind_head_and_says_what_to_run(
    databases, tmp_path: Path
) -> None:
    url = databases.new("refuse")
    engine = make_engine(url)
    migrations.upgrade(engine, "0012_staff_invitations")
    engine.dispose()
    assert head_revision() != "0012_staff_invitations"
    server = _gunicorn(url, tmp_path, _free_port(), workers=1)  # one worker: no sibling stopped mid-import
    try:
        output, _ = server.communicate(timeout=180)
    finally:
        server.kill()
    assert server.returncode != 0
    assert "Linli will not start" in output
    assert "flask --app wsgi db upgrade" in output
    assert "Traceback" not in output


def test_metrics_show_open_help_calls_webhooks_and_the_job_queue(app: Flask, session, demo_community) -> None:
    """The rest of issue 20's figures: help calls open (and unacknowledged), webhook deliveries waiting,
    and the job queue's own depth (a wake-up the worker has not taken yet)."""
    from webapp.infra import clock
    from webapp.infra.queue import queue_of
    from webapp.models import HelpCall

    def figures() -> dict[str, float]:
        text = app.test_client().get("/metrics").get_data(as_text=True)
        names = ("linli_help_calls_open", "linli_help_calls_unacknowledged", "linli_jobs_waiting")
        return {name: _sample(text, name) for name in names} | {
            "webhooks": _sample(text, "linli_webhook_deliveries_waiting"),
        }

    before = figures()
    session.add(
        HelpCall(community_id=demo_community.id, source="attract", place="3幢大堂", token_hash="m" * 64)
    )
    answered = HelpCall(community_id=demo_community.id, source="phone", place="3幢1单元", token_hash="n" * 64)
    answered.acknowledged_at = clock.now()
    session.add(answered)
    session.commit()
    with app.app_context():
        queue_of(app).wake(outbox=True)
    after = figures()
    assert after["linli_help_calls_open"] == before["linli_help_calls_open"] + 2
    assert after["linli_help_calls_unacknowledged"] == before["linli_help_calls_unacknowledged"] + 1
    assert after["linli_jobs_waiting"] == before["linli_jobs_waiting"] + 1
    assert after["webhooks"] == before["webhooks"]
