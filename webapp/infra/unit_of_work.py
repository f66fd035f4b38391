"""One unit of work per request and per job: the only place that commits or rolls back.

Views and the core change the session and flush; they never commit. After the view has answered, the
request's unit of work commits if the answer is a success (a page, a redirect) and rolls back if it is an
error (a status of 400 or more, or an exception), so that a form re-rendered because of a domain error leaves
nothing half written. Two explicit signals cover the rest:

- `keep()`: what this request has written so far stands whatever the answer is (a failed PIN or password
  attempt, a throttle counter, the audit entry of a refused access). It ends the transaction there and then,
  so that nothing the view does afterwards can take it back, and nothing it did before can be dropped.
- `refuse()`: the answer is a redirect (303 with a flashed message) but the request failed: roll back.

Whether a request writes (SQLite's BEGIN IMMEDIATE) is derived from its method, and declared once per route
for the few GET views that write (`infra.db.writes`). Work done after the answer (Web Push) is queued with
`after_commit`, so that it never reads a change before it is committed. The CLI and the worker's jobs use
`job()`.

A streamed body is produced after the commit: it may read, never write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, Response, g
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from webapp.infra.db import database, get_session

log = logging.getLogger("linli.unit_of_work")


def init_app(app: Flask) -> None:
    """Register the request's unit of work; call it before anything else registers `after_request`
    so that it runs last (Flask runs them in reverse order), after every other hook that may write."""
    app.after_request(_finish)


def keep() -> None:
    """Let what this request has written so far stand even though its answer will be an error."""
    session: Session | None = g.get("db_session")
    if session is not None:
        session.commit()


def start_writing() -> None:
    """Turn a read-only request into a writing one (an audited refusal in a GET view): drop what it read so
    far, so that its next transaction begins IMMEDIATE, as if the view had been marked `@writes`."""
    session = get_session()
    session.rollback()
    session.info["linli_read_only"] = False
    g.linli_read_only = False


def refuse() -> None:
    """Roll this request back although its answer is a success status (a redirect that reports a refusal)."""
    g.linli_refused = True


def after_commit(work: Callable[[], None]) -> None:
    """Run *work* once this request's changes are committed (never if they are rolled back)."""
    g.setdefault("linli_after_commit", []).append(work)


def _finish(response: Response) -> Response:
    session: Session | None = g.get("db_session")
    if session is None:
        return response
    if response.status_code >= 400 or g.pop("linli_refused", False):
        session.rollback()
        g.pop("linli_after_commit", None)
        return response
    try:
        session.commit()
    except OperationalError as error:  # the commit itself refused (a lost connection, a conflict at commit)
        from webapp.infra.errors import database_not_now, turn_into_busy

        try:
            session.rollback()
        except Exception:  # noqa: BLE001 (the connection is gone: nothing stands either way)
            log.warning("could not roll back after a failed commit", exc_info=True)
        g.pop("linli_after_commit", None)
        if not database_not_now(error):
            raise
        return turn_into_busy(response, error)
    for work in g.pop("linli_after_commit", []):
        work()
    return response


@contextmanager
def job(app: Flask | None = None) -> Iterator[Session]:
    """A unit of work outside a request (a CLI command, a scheduled job, a background thread): commit at the
    end, roll back on an exception."""
    with database(app).sessionmaker() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()
