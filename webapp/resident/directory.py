"""The local services directory on the phone: what is nearby, whether it is open now, tap to call.

Public (nothing personal): anyone may look, signed in or not. A signed-in resident sees their own community's
places and, for a provider linked to the services desk, a way to ask for its services.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from webapp.domain.life.directory import dial_uri, entries, linked_services, local_time, open_now
from webapp.domain.register.community import default_community
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.numbers import MAX_ID
from webapp.models import Community, LocalService, PlaceKind
from webapp.resident.account import signed_in_resident
from webapp.resident.blueprint import bp


def community_here() -> Community:
    resident = signed_in_resident()
    community = resident.community if resident else default_community(get_session())
    if community is None:
        abort(404)
    return community


@bp.get("/directory")
def directory() -> ResponseReturnValue:
    community = community_here()
    kind_text = request.args.get("kind") or ""
    kind = PlaceKind(kind_text) if kind_text in {k.value for k in PlaceKind} else None
    only_open = request.args.get("open") == "1"
    elderly = request.args.get("elderly") == "1"
    db = get_session()
    rows = entries(db, community.id, kind=kind, elderly=elderly, only_open=only_open)
    now = clock.now()
    return render_template(
        "resident/directory.html",
        entries=rows,
        open_map={e.id: open_now(e, now) for e in rows},
        kinds=list(PlaceKind),
        kind=kind,
        only_open=only_open,
        elderly=elderly,
        tel=dial_uri,
    )


@bp.get("/directory/<int:entry_id>")
def directory_entry(entry_id: int) -> ResponseReturnValue:
    community = community_here()
    entry = get_session().get(LocalService, entry_id) if entry_id <= MAX_ID else None
    if entry is None or entry.community_id != community.id or not entry.active:
        abort(404)
    return render_template(
        "resident/directory_entry.html",
        entry=entry,
        is_open=open_now(entry),
        today=local_time(entry).weekday(),
        services=linked_services(get_session(), entry),
        signed_in=signed_in_resident() is not None,
        tel=dial_uri,
    )
