"""Pages that are the same for everyone who sees them, rendered once (issue 21).

The phone's start page and a kiosk's attract screen are the busiest pages, and nobody's own: what they show
depends only on the page's address, the language, the display settings, the kiosk, and the community's data.
Rendering them cost about five times serving a static file; a copy kept per process serves them at about the
cost of one small query.

A copy is trusted while three things hold:
- the version token in `page_version` is the one it was rendered under. Every flush or bulk statement that
  changes a table a shared page reads (WATCHED) sets a new random token in the same transaction, so a notice
  published through any app server, or by the worker, drops every server's copies. A process reads the token
  again at most once a second (TOKEN_FRESH_SECONDS) and at once after its own commit of such a change: this
  process's copies go at the commit, other processes' within the second. Reading it for every request was half
  of the phone start page's cost (0.47 of 0.93 ms: a pooled connection, a transaction and a query);
- the clock is in the same half minute (notices start and end, "today" turns into tomorrow, with no write);
- nobody is signed in, no kiosk visit is open and no message waits to be flashed: personal pages never come
  from here or go into it.
The one per-visitor value in such a page, the CSRF token of the display form, is put back per request.

`tests/web/test_shared_pages.py` renders each shared page while recording the tables it reads, and fails when
one is missing from WATCHED: a copy can only go stale through a table nobody watches.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, Generic, TypeVar

from flask import Flask, current_app, g, get_flashed_messages, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from webapp.config import LOCALES
from webapp.infra import clock

# What shared pages read, with the columns whose changes they never show (a kiosk's heartbeat every half
# minute must not drop the copies).
WATCHED: dict[str, frozenset[str]] = {
    "community": frozenset(),
    "kiosk": frozenset(
        {"last_seen_at", "client_version", "device_status", "pairing_code_hash", "pairing_expires_at"}
    ),
    "notice": frozenset(),
    "community_event": frozenset(),
    "event_signup": frozenset(),
    "training_session": frozenset(),
    "course": frozenset(),
    "service_type": frozenset(),
    "local_service": frozenset(),
}
TOKEN_FRESH_SECONDS = 1.0  # how long a process trusts the version token it last read (its own changes: 0)
SLICE_SECONDS = 30  # a copy lives in one half minute of the (frozen or real) clock
MAX_COPIES = 128  # per process (about 20-30 KB each): pages × languages × display settings × kiosks in use
PLACEHOLDER = "\x00linli-csrf\x00"
EXTENSION = "linli_page_cache"
V = TypeVar("V")


class Kept(Generic[V]):
    """Values one process keeps under a version token, least recently used dropped first: the shared pages'
    copies, the kept fragments (token "") and the known kiosks (kiosk/known.py)."""

    def __init__(self, size: int) -> None:
        self._kept: OrderedDict[Hashable, tuple[str, V]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()  # gthread workers share a process
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def get(self, key: Hashable, token: str) -> V | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None or found[0] != token:
                self.misses += 1
                return None
            self._kept.move_to_end(key)
            self.hits += 1
            return found[1]

    def put(self, key: Hashable, token: str, value: V) -> None:
        with self._lock:
            self._kept[key] = (token, value)
            self._kept.move_to_end(key)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)


class PageCache(Kept[str]):
    """The shared pages' copies of one process, and the version token it last read."""

    def __init__(self, size: int = MAX_COPIES) -> None:
        super().__init__(size)
        self._token: tuple[float, int, str | None] | None = None  # (monotonic time read, _commits, token)

    def token(self, db: Session) -> str | None:
        """The version token: read again when the last read is a second old or this process has since
        committed a change to a watched table (see the module's words).

        A request that has already read the database reads the token in its own snapshot, and leaves the
        process's token alone: under WAL its snapshot may be older or newer than the remembered token, and a
        copy rendered from one snapshot must be kept under that snapshot's token (a stale screen kept under a
        new token would be served for the rest of its half minute)."""
        from webapp.models import PageVersion

        if db.in_transaction():
            return db.scalar(select(PageVersion.token).where(PageVersion.id == 1))
        memo, commits, now = self._token, _commits, time.monotonic()
        if memo is not None and memo[1] == commits and 0 <= now - memo[0] < TOKEN_FRESH_SECONDS:
            return memo[2]
        token = db.scalar(select(PageVersion.token).where(PageVersion.id == 1))
        self._token = (now, commits, token)
        return token

    def clear(self) -> None:
        super().clear()
        self._token = None


def cache_of(app: Flask) -> PageCache:
    found: PageCache = app.extensions[EXTENSION]
    return found


def current_token(db: Session) -> str | None:
    return cache_of(current_app).token(db)


def _anonymous() -> bool:
    from webapp.infra.security import is_personal_request

    languages = request.args.getlist("lang")
    return (
        request.method == "GET"
        # Any other query, a language the app does not speak or one named twice would only fill the copies
        # with variants (a stranger asking for thousands of them would push the real ones out).
        and not set(request.args) - {"lang"}
        and (not languages or (len(languages) == 1 and languages[0] in LOCALES))
        and not is_personal_request()
        and "_flashes" not in session
    )


def full_request() -> Any:
    """Finish what a face skipped of its request's set-up while a copy could serve it (kiosk/known.py puts
    `g.linli_full_request`): before a view or a template needs the whole of it. Once; None, or the set-up's
    own answer (a redirect)."""
    finish = g.pop("linli_full_request", None)
    return finish() if finish is not None else None


def shared_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve this GET view from the process's copy when the visitor is anonymous (see the module's words).
    The view must read only WATCHED tables and nothing of the visitor but the key's parts."""

    def render(*args: Any, **kwargs: Any) -> Any:
        refused = full_request()
        return refused if refused is not None else view(*args, **kwargs)

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not _anonymous():
            return render(*args, **kwargs)
        from webapp.infra.db import get_session
        from webapp.infra.i18n import current_locale

        token = current_token(get_session())
        if token is None:  # a database from before the version table: render every time
            return render(*args, **kwargs)
        display = g.get("display")
        key = (
            request.endpoint,
            request.full_path,
            current_locale(),
            display.cookie_value() if display is not None else "",
            g.get("kiosk_id"),
            int(clock.now().timestamp()) // SLICE_SECONDS,
        )
        return kept_or_rendered(
            cache_of(current_app), key, token, lambda: render(*args, **kwargs), _anonymous
        )

    wrapped.linli_shared_page = True  # type: ignore[attr-defined]
    return wrapped


def kept_or_rendered(
    kept: Kept[str], key: Hashable, token: str, render: Callable[[], Any], keepable: Callable[[], bool]
) -> Any:
    """The copy kept under this key and token with this visitor's form token put back; otherwise the page
    rendered now, and kept when it may still be after its render (shared_page, personal_pages)."""
    html = kept.get(key, token)
    if html is not None:
        return html.replace(PLACEHOLDER, generate_csrf()) if PLACEHOLDER in html else html
    answer = render()
    if isinstance(answer, str) and keepable() and not get_flashed_messages():
        # (Flashed and shown by this render: get_flashed_messages returns what the page took.)
        csrf = g.get("csrf_token")  # set when the page asked for one (Flask-WTF keeps it per request)
        kept.put(key, token, answer.replace(csrf, PLACEHOLDER) if csrf else answer)
    return answer


def _changed(obj: Any) -> bool:
    """Whether this pending object changes a watched table in a column a shared page shows."""
    table = getattr(obj, "__tablename__", None)
    if table not in WATCHED:
        return False
    quiet = WATCHED[table]
    if not quiet:
        return True
    state = inspect(obj)
    if state.pending or state.deleted or not state.persistent:
        return True
    return any(attr.key not in quiet and attr.history.has_changes() for attr in state.attrs)


# Commits in this process that changed a watched table: a token read before the latest one is read again.
_commits = 0


def _bump(db: Session) -> None:
    from webapp.models import PageVersion

    db.info["linli_page_version_bumped"] = True
    db.execute(
        update(PageVersion).where(PageVersion.id == 1).values(token=secrets.token_hex(16)),
        execution_options={"linli_page_version": True},
    )


def _after_flush(db: Session, _context: Any) -> None:
    if any(_changed(obj) for obj in (*db.new, *db.dirty, *db.deleted)):
        _bump(db)


def _bulk_statement(state: ORMExecuteState) -> None:
    if state.execution_options.get("linli_page_version"):
        return
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in WATCHED:
        _bump(state.session)


def _after_commit(db: Session) -> None:
    global _commits
    if db.info.pop("linli_page_version_bumped", False):
        _commits += 1  # (an int's += under the GIL: a lost increment would only mean one token read more)


def _after_rollback(db: Session) -> None:
    db.info.pop("linli_page_version_bumped", None)


def install(app: Flask) -> None:
    """Keep a cache for this app and watch every session of the process (web, worker, commands)."""
    app.extensions[EXTENSION] = PageCache()
    for name, fn in (
        ("after_flush", _after_flush),
        ("do_orm_execute", _bulk_statement),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
