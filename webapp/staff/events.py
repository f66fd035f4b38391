"""Events in the console: plan activities and classes, see who comes and who waits, check people in at the
door by scanning their card, record helpers' hours, call an event off.

The sign-up list shows names and flats, so opening it is audited; the rules (capacity, waiting list, who moves
up) are webapp.domain.life.events'.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.auth.policy import Permission, deny, require
from webapp.domain.identity.cards import CardRefused, card_for_scan
from webapp.domain.life import events
from webapp.domain.life.directory import LOCALES
from webapp.domain.life.timebank import TimeBankError, parse_hours
from webapp.domain.life.volunteering import claim
from webapp.domain.privacy.audit import record
from webapp.infra import clock
from webapp.infra.db import get_session, writes
from webapp.infra.numbers import MAX_ID, small_int
from webapp.infra.unit_of_work import refuse
from webapp.models import Community, Event, EventKind, Resident, TimeAccount
from webapp.shared.context import current_actor
from webapp.shared.messages import life_error
from webapp.staff.blueprint import bp
from webapp.staff.notices import input_value, local_input
from webapp.staff.scope import allowed_ids


def event_or_404(event_id: int) -> Event:
    event = get_session().get(Event, event_id) if event_id <= MAX_ID else None
    if event is None or event.community_id not in allowed_ids(Permission.EDIT_EVENTS):
        deny(subject_type="event", subject_id=event_id if event_id <= MAX_ID else None)
        abort(404)
    return event


@bp.get("/events")
@require(Permission.EDIT_EVENTS)
def events_list() -> ResponseReturnValue:
    ids = allowed_ids(Permission.EDIT_EVENTS)
    db = get_session()
    rows = db.scalars(
        select(Event)
        .where(Event.community_id.in_(ids), Event.ends_at > clock.now())
        .order_by(Event.starts_at, Event.id)
        .limit(200)
    ).all()
    return render_template("staff/events.html", events=rows, taken=events.counts(db, [e.id for e in rows]))


def values_from(form: Any, timezone: str, new: bool) -> dict[str, Any]:
    return {
        "new": new,
        "kind": form.get("kind") or "",
        "titles": {k: (form.get(f"title_{k}") or "")[:120] for k in LOCALES},
        "descriptions": {k: (form.get(f"description_{k}") or "")[:1000] for k in LOCALES},
        "place": (form.get("place") or "").strip()[:120],
        "starts_at": local_input(form.get("starts"), timezone),
        "minutes": small_int(form.get("minutes"), 100_000),
        "capacity": small_int(form.get("capacity"), 100_000),
        "starts_text": (form.get("starts") or "")[:16],
    }


def values_of(event: Event) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "titles": dict(event.titles),
        "descriptions": dict(event.descriptions or {}),
        "place": event.place,
        "starts_text": input_value(event.starts_at, event.community.timezone),
        "minutes": int((event.ends_at - event.starts_at).total_seconds() // 60),
        "capacity": event.capacity,
    }


@bp.route("/events/new", methods=["GET", "POST"])
@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_EVENTS)
def event_edit(event_id: int | None = None) -> ResponseReturnValue:
    event = event_or_404(event_id) if event_id is not None else None
    db = get_session()
    community = event.community if event else db.get(Community, min(allowed_ids(Permission.EDIT_EVENTS)))
    assert community is not None  # noqa: S101 (require() found at least one community)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = values_from(request.form, community.timezone, event is None)
        errors = events.check_event(values)
        if not errors:
            saved = events.save_event(db, current_actor(), community.id, event, values)
            flash(_("Saved."), "info")
            return redirect(url_for("staff.event_detail", event_id=saved.id), code=303)
    elif event is not None:
        values = values_of(event)
    else:
        values = {"kind": "activity", "titles": {}, "descriptions": {}, "minutes": 60, "capacity": 20}
    return render_template(
        "staff/event_form.html", event=event, v=values, errors=errors, locales=LOCALES, kinds=list(EventKind)
    ), (400 if errors else 200)


@bp.get("/events/<int:event_id>")
@writes
@require(Permission.EDIT_EVENTS)
def event_detail(event_id: int) -> ResponseReturnValue:
    """Who comes and who waits (names and flats): a view of personal data, audited."""
    event = event_or_404(event_id)
    db = get_session()
    people = events.signup_list(db, event)
    record(db, current_actor(), "event.list_view", "event", event.id, event.community_id, shown=len(people))
    return render_event(event, people, None, 200)


def render_event(event: Event, people: list[Any], error: str | None, status: int) -> ResponseReturnValue:
    db = get_session()
    volunteers = db.scalars(
        select(Resident)
        .join(TimeAccount, TimeAccount.resident_id == Resident.id)
        .where(Resident.community_id == event.community_id, Resident.erased_at.is_(None))
        .order_by(Resident.name)
    ).all()
    return render_template(
        "staff/event.html", event=event, people=people, now=clock.now(), error=error, volunteers=volunteers
    ), status


@bp.post("/events/<int:event_id>/check-in")
@require(Permission.EDIT_EVENTS)
def event_check_in(event_id: int) -> ResponseReturnValue:
    """At the door: scan the resident's card (a USB scanner types its link into the box) or tap a name."""
    event = event_or_404(event_id)
    db = get_session()
    try:
        resident = _who(db, event)
        events.check_in(db, current_actor().helping(resident.id), event, resident)
    except (CardRefused, events.EventError) as exc:
        code = exc.reason if isinstance(exc, events.EventError) else "card_unknown"
        event = event_or_404(event_id)
        people = events.signup_list(db, event)
        return render_event(event, people, life_error(code), 400)
    flash(_("%(name)s is checked in.", name=resident.name), "info")
    return redirect(url_for("staff.event_detail", event_id=event.id), code=303)


def _who(db: Any, event: Event) -> Resident:
    resident_id = small_int(request.form.get("resident"))
    if resident_id is not None:
        resident = db.get(Resident, resident_id)
        if resident is None or resident.community_id != event.community_id:
            raise events.EventError("not_booked")
        return resident
    resident = card_for_scan(db, (request.form.get("scan") or "")[:300]).resident
    if resident.community_id != event.community_id:
        raise events.EventError("other_community")
    return resident


@bp.post("/events/<int:event_id>/helper-hours")
@require(Permission.EDIT_EVENTS)
def event_helper_hours(event_id: int) -> ResponseReturnValue:
    """Hours for someone who helped at the event: a claim the time bank's staff approve."""
    event = event_or_404(event_id)
    db = get_session()
    resident = db.get(Resident, small_int(request.form.get("resident")) or 0)
    try:
        if resident is None or resident.community_id != event.community_id:
            raise TimeBankError("unknown_person")
        half_hours = parse_hours(request.form.get("hours"))
        day = event.starts_at.astimezone(ZoneInfo(event.community.timezone)).date()
        claim(
            db, current_actor(), resident, "event_helped", half_hours, day, event.title("zh_Hans"), event.id
        )
    except TimeBankError as exc:
        refuse()
        flash(life_error(exc.reason), "error")
        return redirect(url_for("staff.event_detail", event_id=event.id), code=303)
    flash(_("Hours recorded; they count once approved in the time bank."), "info")
    return redirect(url_for("staff.event_detail", event_id=event.id), code=303)


@bp.post("/events/<int:event_id>/call-off")
@require(Permission.EDIT_EVENTS)
def event_call_off(event_id: int) -> ResponseReturnValue:
    event = event_or_404(event_id)
    db = get_session()
    told = events.cancel_event(db, current_actor(), event)
    flash(_("Called off; %(count)s people will be told.", count=told), "info")
    return redirect(url_for("staff.events_list"), code=303)
