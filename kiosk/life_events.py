"""Activities and classes at the kiosk: what is on, and after a scan one tap to sign up (or join the waiting
list), give up a place, or check in when it is about to start.

The same core rules as on the phone and in the console decide everything; a helper in assisted mode acts
for the resident and is recorded as such.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from kiosk.blueprint import bp, visit_required
from kiosk.life import timebank_hours
from webapp.domain.kiosk.visits import visit_actor
from webapp.domain.life import events
from webapp.infra.db import get_session
from webapp.infra.i18n import current_locale
from webapp.infra.numbers import MAX_ID
from webapp.models import Event, SignupStatus
from webapp.shared import confirm
from webapp.shared.messages import life_error


def render_events(error: str | None = None, status: int = 200) -> ResponseReturnValue:
    db = get_session()
    shown = events.upcoming(db, g.kiosk.community_id, days=30, limit=12)
    ids = [e.id for e in shown]
    visit = g.visit
    mine = events.signups_of(db, visit.resident_id, ids) if visit is not None and visit.resident_id else {}
    return render_template(
        "kiosk/events.html",
        events=shown,
        taken=events.counts(db, ids),
        mine={k: v for k, v in mine.items() if v.status != SignupStatus.CANCELLED},
        can_check_in={e.id for e in shown if events.check_in_open(e)},
        error=error,
        timebank_hours=timebank_hours(visit),
    ), status


def event_or_404(event_id: int) -> Event:
    event = get_session().get(Event, event_id) if event_id <= MAX_ID else None
    if event is None or event.community_id != g.kiosk.community_id:
        abort(404)
    return event


@bp.get("/events", endpoint="events")
def events_page() -> ResponseReturnValue:
    return render_events()


@bp.post("/events/<int:event_id>/<any(signup, cancel, check_in):action>", endpoint="event_action")
@visit_required
def event_action(event_id: int, action: str) -> ResponseReturnValue:
    event = event_or_404(event_id)
    db = get_session()
    actor = visit_actor(g.visit)
    resident = g.visit.resident
    asked = confirm.for_event(event, current_locale())
    if action == "cancel" and not confirm.confirmed():
        return confirm.screen("kiosk", asked, url_for("kiosk.events", _anchor=f"e{event.id}"))
    try:
        if action == "signup":
            entry = events.signup(db, actor, event, resident, f"kiosk:{g.kiosk.id}")
            booked = entry.status == SignupStatus.BOOKED
            done = _("You have a place.") if booked else _("It is full: you are on the waiting list.")
        elif action == "cancel":
            events.cancel(db, actor, event, resident)
            done = _("You are no longer signed up.")
        else:
            events.check_in(db, actor, event, resident)
            done = _("Welcome! You are checked in.")
    except events.EventError as exc:
        return render_events(life_error(exc.reason), 400)
    if action == "cancel":
        back = url_for("kiosk.events", _anchor=f"e{event.id}")
        return render_template("kiosk/done.html", title=asked.done, message=None, back=back)
    flash(done, "info")
    return redirect(url_for("kiosk.events", _anchor=f"e{event.id}"), code=303)
