"""Call for help at the kiosk (一键呼叫): 120/110 first, then one confirming tap alerts the person on duty;
the screen then says, and reads aloud, who was told and, once someone answers, who is coming and since when.

It works without a card (a passer-by, or someone who collapsed without theirs): the call says where the
kiosk stands. With a visit open it also says who, so that the family can be alerted if nobody on duty answers.
"""

from __future__ import annotations

from flask import abort, g, jsonify, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue

from kiosk.blueprint import bp
from webapp.domain import CommunityArchived
from webapp.domain.kiosk.visits import visit_actor
from webapp.domain.privacy.audit import Actor
from webapp.domain.safety import calls
from webapp.infra.db import get_session
from webapp.infra.security import background
from webapp.models import HelpCall
from webapp.shared.context import base_url, vault


@bp.get("/help", endpoint="help")
def help_page() -> ResponseReturnValue:
    phone = g.kiosk.community.phone
    return render_template("kiosk/help.html", tel=f"tel:{phone.replace('-', '')}" if phone else None)


@bp.post("/help/call")
def help_call_raise() -> ResponseReturnValue:
    """The confirming tap: alert the roster; a second tap while the call is open shows the same call."""
    db = get_session()
    visit = g.visit
    resident = visit.resident if visit is not None and visit.resident_id is not None else None
    actor = (
        visit_actor(visit) if visit is not None else Actor(type="anonymous", channel=f"kiosk:{g.kiosk.id}")
    )
    try:
        call = calls.raise_call(
            db,
            vault(),
            actor,
            g.kiosk.community,
            "kiosk" if resident is not None else "attract",
            base_url(),
            resident=resident,
            kiosk=g.kiosk,
        )
    except CommunityArchived:
        abort(409)
    session["help_call_id"] = call.id
    return redirect(url_for("kiosk.help_call", call_id=call.id), code=303)


def _kiosk_call(call_id: int) -> HelpCall:
    """Only this kiosk's own call, and only while this browser session raised it (the next person at the
    kiosk does not see the last one's call)."""
    call = get_session().get(HelpCall, call_id)
    if call is None or call.kiosk_id != g.kiosk.id or session.get("help_call_id") != call.id:
        abort(404)
    return call


@bp.get("/help/call/<int:call_id>")
def help_call(call_id: int) -> ResponseReturnValue:
    call = _kiosk_call(call_id)
    return render_template(
        "kiosk/help_call.html",
        call=call,
        names=calls.notified(get_session(), call),
        poll_url=url_for("kiosk.help_call_state", call_id=call.id),
    )


@bp.get("/help/call/<int:call_id>/state")
@background
def help_call_state(call_id: int) -> ResponseReturnValue:
    """What help.js polls: has the state changed (then the page reloads, shows and says the new state)."""
    call = _kiosk_call(call_id)
    state = "closed" if call.closed_at else "ack" if call.acknowledged_at else "wait"
    response = jsonify(state=state)
    response.headers["Cache-Control"] = "no-store"
    return response
