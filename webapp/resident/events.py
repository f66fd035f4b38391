"""Activities and classes on the phone: what is on, sign up in one tap (or join the waiting list), cancel.

The core decides whether there is a place and who moves up when someone cancels; this turns taps into calls
and refusals into words.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.principals import the_resident
from webapp.domain.life import events
from webapp.infra.db import get_session
from webapp.infra.i18n import current_locale
from webapp.infra.numbers import MAX_ID
from webapp.models import Event, Resident, SignupStatus
from webapp.resident.account import resident_required, signed_in_resident
from webapp.resident.blueprint import bp
from webapp.shared import confirm
from webapp.shared.context import current_actor
from webapp.shared.messages import life_error

CHANNEL = "phone"


def event_or_404(event_id: int) -> tuple[Event, Resident]:
    resident = signed_in_resident()
    event = get_session().get(Event, event_id) if event_id <= MAX_ID else None
    if event is None or resident is None or event.community_id != resident.community_id:
        abort(404)
    return event, resident


@bp.get("/me/events")
@resident_required
def my_events() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    shown = events.upcoming(db, resident.community_id)
    ids = [e.id for e in shown]
    return render_template(
        "resident/events.html",
        events=shown,
        taken=events.counts(db, ids),
        mine=events.signups_of(db, resident.id, ids),
    )


def render_event(event: Event, resident: Resident, error: str | None = None, status: int = 200):
    db = get_session()
    mine = events.signups_of(db, resident.id, [event.id]).get(event.id)
    return render_template(
        "resident/event.html",
        event=event,
        taken=events.counts(db, [event.id])[event.id],
        mine=mine if mine is not None and mine.status != SignupStatus.CANCELLED else None,
        position=events.waiting_position(db, mine) if mine else None,
        error=error,
    ), status


@bp.get("/me/events/<int:event_id>")
@resident_required
def my_event(event_id: int) -> ResponseReturnValue:
    event, resident = event_or_404(event_id)
    return render_event(event, resident)


@bp.post("/me/events/<int:event_id>/signup")
@resident_required
def my_event_signup(event_id: int) -> ResponseReturnValue:
    event, resident = event_or_404(event_id)
    db = get_session()
    try:
        entry = events.signup(db, current_actor(), event, resident, CHANNEL)
    except events.EventError as exc:
        return render_event(event, resident, life_error(exc.reason), 400)
    if entry.status == SignupStatus.BOOKED:
        flash(_("You have a place. We will remind you the day before."), "info")
    else:
        flash(
            _("It is full, so you are on the waiting list. We will tell you if a place comes free."), "info"
        )
    return redirect(url_for("resident.my_event", event_id=event.id), code=303)


@bp.post("/me/events/<int:event_id>/cancel")
@resident_required
def my_event_cancel(event_id: int) -> ResponseReturnValue:
    event, resident = event_or_404(event_id)
    db = get_session()
    asked = confirm.for_event(event, current_locale())
    if not confirm.confirmed():
        return confirm.screen("resident", asked, url_for("resident.my_event", event_id=event.id))
    try:
        events.cancel(db, current_actor(), event, resident)
    except events.EventError as exc:
        return render_event(event, resident, life_error(exc.reason), 400)
    flash(asked.done, "info")
    return redirect(url_for("resident.my_event", event_id=event.id), code=303)
