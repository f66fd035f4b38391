"""The job queue's storage and the wake-up after a commit.

Huey keeps the queue: `SqliteHuey` in a file in the instance folder on one box, `RedisHuey` for a district
(LINLI_QUEUE_URL=redis://…), the same task code either way (the tasks are the worker face, `webapp.jobs`).
Whatever writes messages (a staff change in a request, a round in the worker) wakes the worker only once its
transaction has committed: a worker woken earlier would not see the rows. A queue that cannot be reached
loses nothing: the rows wait in the database and the worker's sweep finds them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.models import OutboxMessage, WebhookDelivery

if TYPE_CHECKING:
    from flask import Flask
    from huey import Huey

    from webapp.config import Settings

log = logging.getLogger("linli.jobs")
EXTENSION = "linli.queue"
QUEUE_FILE = "queue.db"
REDIS_CONNECT_TIMEOUT = 1.0  # seconds
REDIS_READ_TIMEOUT = 10.0


class Wakeable(Protocol):
    @property
    def huey(self) -> Huey: ...

    def wake(self, outbox: bool = True, webhooks: bool = False) -> None: ...


def make_huey(settings: Settings) -> Huey:
    """SqliteHuey in the instance folder unless LINLI_QUEUE_URL names Redis (a district, several workers)."""
    from huey import MemoryHuey, RedisHuey, SqliteHuey  # here: importing Huey imports Redis and psycopg too

    url = settings.queue_url
    if url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool
        from redis.backoff import ExponentialBackoff
        from redis.retry import Retry

        # A request that caused a message wakes the worker through this Redis after its commit: an unreachable
        # Redis must cost it a couple of seconds, not a minutes-long TCP connect nor redis-py's default three
        # retries (26 s when nothing answers); the rows wait in the database and the worker's sweep finds
        # them. Reads wait longer than Huey's own 1 s blocking pop.
        pool = ConnectionPool.from_url(
            url,
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
            socket_timeout=REDIS_READ_TIMEOUT,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.1), 1),
        )
        return RedisHuey(settings.queue_name, connection_pool=pool)
    if url == "immediate":
        return MemoryHuey(settings.queue_name, immediate=True)
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
    filename = Path(path) if path else Path(settings.instance_path) / QUEUE_FILE
    return SqliteHuey(settings.queue_name, filename=str(filename))


def queue_of(app: Flask) -> Wakeable:
    found: Wakeable = app.extensions[EXTENSION]
    return found


def _after_flush(session: Session, flush_context: Any) -> None:
    for obj in session.new:
        if isinstance(obj, OutboxMessage):  # Web Push too: a row per subscribed phone
            session.info["linli_wake_outbox"] = True
        elif isinstance(obj, WebhookDelivery):
            session.info["linli_wake_webhooks"] = True


def _after_commit(session: Session) -> None:
    outbox = session.info.pop("linli_wake_outbox", False)
    webhooks = session.info.pop("linli_wake_webhooks", False)
    if not outbox and not webhooks:
        return
    from flask import current_app, has_app_context

    if not has_app_context() or EXTENSION not in current_app.extensions:
        return
    try:
        queue_of(current_app._get_current_object()).wake(outbox=outbox, webhooks=webhooks)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 (the change that caused the message must never fail for its sending)
        log.warning("could not wake the worker", exc_info=True)


def _after_rollback(session: Session) -> None:
    session.info.pop("linli_wake_outbox", None)
    session.info.pop("linli_wake_webhooks", None)


def install_wake_on_commit() -> None:
    for name, fn in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
