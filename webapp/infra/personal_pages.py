"""A resident's own kiosk home, kept per visit while nothing it shows has changed (issue 21).

During a visit the home is the screen a resident comes back to after every errand: "My requests", back, a
notice, back. It is personal, so the shared copies (page_cache.py) never serve it, and rendering it cost
about five times serving a static file: ten queries (news, open requests, today's class, the time bank) and a
render. Between two taps nothing on it usually changes, so each process keeps one copy per visit.

A copy is trusted while all of these hold:
- the shared token (page_version row 1) is the one it was rendered under: the community, its kiosks, classes,
  courses and service types (page_cache.WATCHED) have not changed;
- the resident's own token (`resident_page_version`) is too. Every flush that adds, changes or removes a
  row of a PERSONAL table sets a new token for the residents that row belongs to, in the same transaction:
  a request filed, its status moved by staff on another server, news arrived or seen, a class attended;
- the personal epoch (page_version row 2) is too. A change whose residents cannot be told from the row (a time
  bank entry, which names an account; a statement over many rows that does not say whose they are) sets it,
  which drops every resident's copies at once: correct, only slower;
- the clock is in the same half minute, the visit is the same, nobody helps (the helper's banner names staff),
  and no message waits to be flashed.
The tokens are read in the request's own transaction, before the page would be rendered, in one query: a copy
is never kept under a token newer than the data it shows. The copy's one per-visitor value, the CSRF token, is
put back per request.

`tests/web/test_personal_pages.py` renders a home that shows every kind of line while recording the tables it
reads, and fails when one is neither watched here nor in page_cache.WATCHED.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import Flask, current_app, g, request, session
from sqlalchemy import event, inspect, literal, select, union_all, update
from sqlalchemy.orm import ORMExecuteState, Session

from webapp.infra import clock
from webapp.infra.page_cache import SLICE_SECONDS, Kept, full_request, kept_or_rendered

# What a resident's home shows of them, and the column that names the resident a row belongs to (None: the row
# does not say, and a change to it sets the epoch). The visit itself is in the copy's key, not here.
PERSONAL: dict[str, str | None] = {
    "resident": "id",
    "notification": "resident_id",
    "service_request": "resident_id",
    "attendance": "resident_id",
    "time_account": "resident_id",
    "time_entry": None,
}
EPOCH_ROW = 2  # page_version's row for changes not told apart by resident
MAX_COPIES = 48  # per process (about 20 KB each): the visits open at a district server's kiosks
EXTENSION = "linli_personal_pages"
RESIDENTS_OPTION = "linli_residents"  # a bulk statement's own word for whose rows it changes
BUMP_OPTION = "linli_personal_version"
PENDING = "linli_personal_pending"  # Session.info: residents and epoch changed in the open transaction


def _kept(app: Flask) -> Kept[str]:
    found: Kept[str] = app.extensions[EXTENSION]
    return found


def tokens(db: Session, resident_id: int) -> tuple[str | None, ...] | None:
    """The shared token, the epoch and the resident's own token, in this transaction's snapshot; None for a
    database from before the versions (render every time)."""
    from webapp.models import PageVersion, ResidentPageVersion

    rows = db.execute(
        union_all(
            select(PageVersion.id, PageVersion.token).where(PageVersion.id.in_((1, EPOCH_ROW))),
            select(literal(0), ResidentPageVersion.token).where(
                ResidentPageVersion.resident_id == resident_id
            ),
        )
    ).all()
    found = dict(rows)
    if 1 not in found or EPOCH_ROW not in found:
        return None
    return found[1], found[EPOCH_ROW], found.get(0, "")


def _keepable() -> bool:
    visit = g.get("visit")
    return (
        request.method == "GET"
        and not request.args
        and visit is not None
        and visit.resident_id is not None
        and visit.helper_id is None
        and not g.get("visit_ended")
        and "_flashes" not in session
    )


def personal_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve this kiosk GET view from the visit's copy while it is true (see the module's words). The view
    must read only PERSONAL and page_cache.WATCHED tables, and of the visit only its resident."""

    def render(*args: Any, **kwargs: Any) -> Any:
        refused = full_request()
        return refused if refused is not None else view(*args, **kwargs)

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not _keepable():
            return render(*args, **kwargs)
        from webapp.infra.db import get_session
        from webapp.infra.i18n import current_locale

        visit = g.visit
        token = g.pop("linli_personal_tokens", None) or tokens(get_session(), visit.resident_id)
        if token is None:
            return render(*args, **kwargs)
        display = g.get("display")
        key = (
            request.endpoint,
            request.path,
            current_locale(),
            display.cookie_value() if display is not None else "",
            g.get("kiosk_id"),
            visit.id,
            visit.resident_id,
            int(clock.now().timestamp()) // SLICE_SECONDS,
        )
        return kept_or_rendered(
            _kept(current_app),
            key,
            "\x00".join(t or "" for t in token),
            lambda: render(*args, **kwargs),
            _keepable,
        )

    wrapped.linli_personal_page = True  # type: ignore[attr-defined]
    return wrapped


def _owners(obj: Any, removed: bool) -> Iterable[int] | None:
    """The residents whose homes this flushed row changes ([] for none); None when the row does not say."""
    table = getattr(obj, "__tablename__", None)
    if table not in PERSONAL:
        return []
    column = PERSONAL[table]
    if column is None:
        return None
    state = inspect(obj)
    if column not in state.dict:  # not loaded (an expired row): never a load inside the flush
        return None
    owners = {state.dict[column]}
    if not removed and not state.pending and state.key is not None:  # a row changed in place
        if not any(a.history.has_changes() for a in state.attrs):
            return []
        history = state.attrs[column].history
        if history.added and not history.deleted:  # moved to another resident from one never loaded
            return None
        owners.update(history.deleted or ())
    return {o for o in owners if isinstance(o, int)}


def _pending(db: Session) -> tuple[set[int], list[bool]]:
    """What this transaction has changed so far: whose homes, and whether the epoch moves (set at commit)."""
    found: tuple[set[int], list[bool]] = db.info.setdefault(PENDING, (set(), [False]))
    return found


def _after_flush(db: Session, _context: Any) -> None:
    residents, epoch = _pending(db)
    for removed, objects in ((False, (*db.new, *db.dirty)), (True, tuple(db.deleted))):
        for obj in objects:
            owners = _owners(obj, removed)
            if owners is None:
                epoch[0] = True
            else:
                residents.update(owners)


def _bulk_statement(state: ORMExecuteState) -> None:
    if state.execution_options.get(BUMP_OPTION):
        return
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table not in PERSONAL:
        return
    residents, epoch = _pending(state.session)
    named = state.execution_options.get(RESIDENTS_OPTION)
    if named is not None:
        residents.update(named)
    else:
        epoch[0] = True


def _before_commit(db: Session) -> None:
    """Set the new versions last, in one statement each, residents in id order: a transaction holds their
    rows' locks only from here to its commit, always taken in the same order (on PostgreSQL two crossing
    changes, each moving two residents, would otherwise deadlock)."""
    if db.new or db.dirty or db.deleted:
        db.flush()  # (commit flushes after this hook: what it would write is counted first)
    found = db.info.pop(PENDING, None)
    if found is None:
        return
    residents, epoch = found
    if residents or epoch[0]:
        _bump(db, residents, epoch[0])


def _after_rollback(db: Session) -> None:
    db.info.pop(PENDING, None)


def _bump(db: Session, residents: set[int], epoch: bool) -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    from webapp.models import PageVersion, Resident, ResidentPageVersion

    options = {BUMP_OPTION: True}
    if epoch:
        db.execute(
            update(PageVersion).where(PageVersion.id == EPOCH_ROW).values(token=secrets.token_hex(16)),
            execution_options=options,
        )
    if not residents:
        return
    # Only residents that still exist: a removed one's versions went with them.
    existing = db.scalars(
        select(Resident.id).where(Resident.id.in_(residents)).order_by(Resident.id),
        execution_options=options,
    ).all()
    if not existing:
        return
    # Both dialects say "insert, or on the resident's existing row set the new token" the same way.
    rows = [{"resident_id": r, "token": secrets.token_hex(16)} for r in existing]
    if db.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(ResidentPageVersion).values(rows)
        upsert: Any = pg.on_conflict_do_update(
            index_elements=["resident_id"], set_={"token": pg.excluded.token}
        )
    else:
        lite = sqlite.insert(ResidentPageVersion).values(rows)
        upsert = lite.on_conflict_do_update(
            index_elements=["resident_id"], set_={"token": lite.excluded.token}
        )
    db.execute(upsert, execution_options=options)


def install(app: Flask) -> None:
    """Keep the visits' copies for this app and watch every session of the process (web, worker, commands)."""
    app.extensions[EXTENSION] = Kept[str](MAX_COPIES)
    for name, fn in (
        ("after_flush", _after_flush),
        ("do_orm_execute", _bulk_statement),
        ("before_commit", _before_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
