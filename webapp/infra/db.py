"""Engine and per-request session; the declarative Base lives in webapp.models.base (free of Flask)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask import session as http_session
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

log = logging.getLogger("linli.db")


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create an engine; on SQLite turn on WAL, foreign keys and a busy timeout for every connection."""
    # hide_parameters: an error's text (logged with a 500's stack trace) names the statement, never the values
    # bound to it, which may be a hashed number, a resident's words or a name.
    kwargs: dict[str, Any] = {"echo": echo, "future": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 5, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(connection: Any) -> None:
    """BEGIN, or BEGIN IMMEDIATE for transactions that will write.

    A deferred transaction that reads and then writes fails at once with "database is locked" when
    another connection wrote in between (busy_timeout cannot help), as two kiosk requests touching a
    visit showed. Taking the write lock at BEGIN makes such a transaction wait its turn instead; read-only
    requests stay deferred so that they never queue behind writers (WAL lets them read meanwhile).
    """
    read_only = has_app_context() and g.get("linli_read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Set pragmas, and let SQLAlchemy (not pysqlite) emit BEGIN, so transactions and SAVEPOINTs behave."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """Holds the engine and session factory of one app; tests may rebind the factory to a connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)

    def init_app(self, app: Flask) -> None:
        app.extensions["linli_db"] = self
        app.teardown_appcontext(_close_session)


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["linli_db"]


def get_session() -> Session:
    """Return the session of this app context (one per request), opening it on first use."""
    if "db_session" not in g:
        g.linli_read_only = not request_writes()
        g.db_session = database().sessionmaker()
        g.db_session.info["linli_read_only"] = g.linli_read_only
    return g.db_session


class UndeclaredWrite(RuntimeError):
    """A request that did not say it writes tried to write (see `writes`)."""


def _undeclared_write(session: Session, what: str) -> None:
    """Fail loudly under test, log in production: a GET view that writes must be marked `@writes`.

    On SQLite an unmarked request runs in a deferred transaction; its first write after another connection
    committed fails at once with "database is locked" (busy_timeout cannot help), which is what issue 14
    saw on My requests. The error names the view, so the fix (`@writes`) is obvious.
    """
    if not session.info.get("linli_read_only") or not has_request_context():
        return
    message = f"{request.method} {request.path} ({request.endpoint}) {what} but is not marked @writes"
    if current_app.testing or current_app.debug:
        raise UndeclaredWrite(message)
    log.error("undeclared write: %s", message)


@event.listens_for(Session, "before_flush")
def _check_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        _undeclared_write(session, "flushed changes")


@event.listens_for(Session, "do_orm_execute")
def _check_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _undeclared_write(state.session, "ran an INSERT/UPDATE/DELETE")


def writes(view: Any) -> Any:
    """Mark a GET view that writes (an audit entry, a one-time token), so its transaction takes the lock."""
    view.linli_writes = True
    return view


def request_writes() -> bool:
    if not has_request_context():
        return True
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return True
    if request.blueprint == "kiosk" and "visit_id" in http_session and not g.get("visit_noted_lately", False):
        return True  # each page of a visit keeps it alive, noted every few seconds (kiosk/routes.py)
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "linli_writes", False))


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
