"""Community life at the kiosk: notices (urgent ones on the attract screen), local services with a big QR to
call, and the resident's time-bank balance after a scan.

Without a scan the kiosk is a public screen: it shows only notices for everyone or whole buildings. After a
scan it shows the notices meant for that resident, with "I have read this" in one tap. The plain summary is
what the list shows, so "Read aloud" reads the short version; the full text is one tap further.
"""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from kiosk.blueprint import bp, visit_required
from webapp.domain.kiosk.visits import visit_actor
from webapp.domain.life import timebank
from webapp.domain.life.directory import dial_uri, entries, local_time, open_now
from webapp.domain.life.notices import (
    NoticeError,
    current_notices,
    is_for,
    is_public,
    local_today,
    mark_read,
    notices_for,
    read_ids,
)
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.numbers import MAX_ID
from webapp.models import Kiosk, KioskVisit, LocalService, Notice, PlaceKind
from webapp.shared.messages import life_error


def urgent_public(kiosk: Kiosk) -> list[Notice]:
    """The attract screen's urgent notices for everyone, computed by the view (a template never queries)."""
    return [n for n in current_notices(get_session(), kiosk.community_id, public_only=True) if n.urgent]


def timebank_hours(visit: KioskVisit | None) -> str | None:
    """The scanned resident's time-bank balance for the chip of kiosk/_life_summary.html (None: no chip)."""
    if visit is None or visit.resident_id is None:
        return None
    db = get_session()
    account = timebank.account_of(db, visit.resident_id)
    return timebank.hours_text(timebank.balance(db, account.id)) if account else None


def visible_notices() -> tuple[list[Notice], set[int]]:
    """The resident's notices after a scan (and which they confirmed); otherwise the public ones."""
    db = get_session()
    visit = g.visit
    if visit is not None and visit.resident_id is not None:
        shown = notices_for(db, visit.resident)
        return shown, read_ids(db, visit.resident_id, [n.id for n in shown])
    return current_notices(db, g.kiosk.community_id, public_only=True), set()


def notice_or_404(notice_id: int) -> Notice:
    notice = get_session().get(Notice, notice_id) if notice_id <= MAX_ID else None
    if notice is None or notice.community_id != g.kiosk.community_id or notice.withdrawn_at is not None:
        abort(404)
    visit = g.visit
    if visit is not None and visit.resident_id is not None:
        if not is_for(notice, visit.resident, local_today(visit.resident)):
            abort(404)
    elif not is_public(notice):
        abort(404)
    return notice


@bp.get("/notices", endpoint="notices")
def notices_page() -> ResponseReturnValue:
    shown, read = visible_notices()
    return render_template(
        "kiosk/notices.html", notices=shown, read=read, error=None, timebank_hours=timebank_hours(g.visit)
    )


@bp.get("/notices/<int:notice_id>", endpoint="notice")
def notice_page(notice_id: int) -> ResponseReturnValue:
    notice = notice_or_404(notice_id)
    read = g.visit is not None and notice.id in read_ids(get_session(), g.visit.resident_id or 0, [notice.id])
    return render_template("kiosk/notice.html", notice=notice, read=read)


@bp.post("/notices/<int:notice_id>/read", endpoint="notice_read")
@visit_required
def notice_read(notice_id: int) -> ResponseReturnValue:
    notice = notice_or_404(notice_id)
    db = get_session()
    try:
        mark_read(db, visit_actor(g.visit), notice, g.visit.resident, f"kiosk:{g.kiosk.id}")
    except NoticeError as exc:
        shown, read = visible_notices()
        return render_template(
            "kiosk/notices.html",
            notices=shown,
            read=read,
            error=life_error(exc.reason),
            timebank_hours=timebank_hours(g.visit),
        ), 400
    return redirect(url_for("kiosk.notices", _anchor=f"n{notice.id}"), code=303)


@bp.get("/directory", endpoint="directory")
def directory_page() -> ResponseReturnValue:
    """Kinds of places as big buttons; one kind lists its places with "open now" in words."""
    kind_text = request.args.get("kind") or ""
    kind = PlaceKind(kind_text) if kind_text in {k.value for k in PlaceKind} else None
    every = entries(get_session(), g.kiosk.community_id)
    rows = [e for e in every if e.kind == kind]
    now = clock.now()
    return render_template(
        "kiosk/directory.html",
        kind=kind,
        kinds=[k for k in PlaceKind if any(e.kind == k for e in every)],
        entries=rows,
        open_map={e.id: open_now(e, now) for e in rows},
    )


@bp.get("/directory/<int:entry_id>", endpoint="directory_entry")
def directory_entry(entry_id: int) -> ResponseReturnValue:
    """One place: open now, today's hours, and a large QR that dials it from the visitor's own phone."""
    entry = get_session().get(LocalService, entry_id) if entry_id <= MAX_ID else None
    if entry is None or entry.community_id != g.kiosk.community_id or not entry.active:
        abort(404)
    return render_template(
        "kiosk/directory_entry.html",
        entry=entry,
        is_open=open_now(entry),
        today=local_time(entry).weekday(),
        tel=dial_uri(entry.phone),
    )


@bp.get("/timebank", endpoint="timebank")
@visit_required
def timebank_page() -> ResponseReturnValue:
    """The balance and this month's movements, in big type (using or giving hours happens on the phone)."""
    db = get_session()
    account = timebank.account_of(db, g.visit.resident_id)
    month = local_today(g.visit.resident).replace(day=1)
    return render_template(
        "kiosk/timebank.html",
        account=account,
        balance=timebank.balance(db, account.id) if account else 0,
        statement=timebank.statement(db, account, month) if account else None,
    )
