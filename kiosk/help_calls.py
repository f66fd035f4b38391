"""Call for help at the kiosk (一键呼叫), and the resident's emergency contacts behind their PIN.

Call for help (一键呼叫): 120/110 first, then one confirming tap alerts the person on duty;
the screen then says, and reads aloud, who was told and, once someone answers, who is coming and since when.

It works without a card (a passer-by, or someone who collapsed without theirs): the call says where the
kiosk stands. With a visit open it also says who, so that the family can be alerted if nobody on duty answers.
"""

from __future__ import annotations

from contextlib import suppress

from flask import abort, g, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from kiosk.blueprint import bp, visit_required
from webapp.domain import CommunityArchived
from webapp.domain.identity.pins import card_key_for, device_key, verify_pin
from webapp.domain.kiosk.visits import end_visit, pin_is_fresh, visit_actor
from webapp.domain.privacy.audit import Actor
from webapp.domain.register.residents import active_card
from webapp.domain.safety import calls
from webapp.domain.safety.contacts import ContactError, contacts_of, remove_contact, shown
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.security import background
from webapp.infra.unit_of_work import keep
from webapp.models import HelpCall
from webapp.shared.contacts import ContactForm, add_from_form
from webapp.shared.context import base_url, vault
from webapp.shared.pins import PIN_STATUS, PinForm, pin_message


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
    if visit is not None:
        # The visit ends here: the screen now shows only the call (no one's home screen is left open while
        # the person waits, perhaps for half an hour, and no idle reset takes the answer off the screen).
        end_visit(db, visit, "help")
        session.pop("visit_id", None)
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
        state=calls.screen_state(call),
        poll_url=url_for("kiosk.help_call_state", call_id=call.id),
    )


@bp.get("/help/call/<int:call_id>/state")
@background
def help_call_state(call_id: int) -> ResponseReturnValue:
    """What help.js polls: has the state changed (then the page reloads, shows and says the new state)."""
    call = _kiosk_call(call_id)
    response = jsonify(state=calls.screen_state(call))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/contacts", methods=["GET", "POST"])
@visit_required
def contacts() -> ResponseReturnValue:
    """The resident's emergency contacts at the kiosk, after their PIN (other people's numbers are personal
    data): the same rules as on the phone and at the office (`domain.safety.contacts`)."""
    visit = g.visit
    db = get_session()
    if not pin_is_fresh(visit):
        form = PinForm()
        message = None
        status = 200
        if form.validate_on_submit():
            card = active_card(db, visit.resident)
            result = verify_pin(
                db,
                visit_actor(visit),
                visit.resident,
                form.pin.data or "",
                card_key_for(visit.resident, card.token_hash if card else None),
                device_key("kiosk", str(g.kiosk.id)),
                end_transaction=keep,
            )
            if result.ok:
                visit.pin_verified_at = clock.now()
                return redirect(url_for("kiosk.contacts"), code=303)
            keep()  # the failed attempt counts
            message = pin_message(result)
            status = PIN_STATUS.get(result.outcome, 403)
        elif request.method == "POST":
            status = 400
        form.pin.data = ""
        return render_template("kiosk/pin.html", form=form, message=message, fresh=False), status
    form = ContactForm()
    status = 200
    if form.validate_on_submit():
        if not add_from_form(form, vault(), visit_actor(visit), visit.resident):
            status = 400
        else:
            return redirect(url_for("kiosk.contacts"), code=303)
    elif form.is_submitted():
        status = 400
    shown_contacts = [shown(c) for c in contacts_of(db, visit.resident_id)]
    return render_template("kiosk/contacts.html", form=form, contacts=shown_contacts), status


@bp.post("/contacts/<int:contact_id>/remove")
@visit_required
def contact_remove(contact_id: int) -> ResponseReturnValue:
    visit = g.visit
    if not pin_is_fresh(visit):
        return redirect(url_for("kiosk.contacts"), code=303)
    with suppress(ContactError):  # not theirs, or gone already: the list shows what is left
        remove_contact(get_session(), visit_actor(visit), visit.resident, contact_id)
    return redirect(url_for("kiosk.contacts"), code=303)
