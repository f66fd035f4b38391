"""Help on the phone: the resident's own help call (120/110 first, then one confirming tap), and the page an
alerted person opens from the text message to acknowledge a call.

The acknowledge page shows a stranger holding the link no more than the message did (the place, a first
name); a signed-in staff member of the community sees the resident's name and their contacts' full numbers,
and that view is audited like every staff view of personal data.
"""

from __future__ import annotations

from flask import abort, jsonify, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.policy import may_see_help_call_details
from webapp.auth.principals import signed_in_staff, the_resident
from webapp.domain import CommunityArchived
from webapp.domain.privacy.audit import record
from webapp.domain.safety import calls
from webapp.domain.safety.contacts import PHONE_KIND, contacts_of
from webapp.infra.db import get_session, writes
from webapp.models import HelpCall
from webapp.resident.account import resident_required
from webapp.resident.blueprint import bp
from webapp.shared.context import base_url, current_actor, vault


@bp.route("/me/help", methods=["GET", "POST"])
@resident_required
def my_help() -> ResponseReturnValue:
    """120/110 first; then one confirming tap alerts whoever is on duty for the resident's home."""
    resident = the_resident()
    if request.method == "POST":
        db = get_session()
        try:
            call = calls.raise_call(
                db, vault(), current_actor(), resident.community, "phone", base_url(), resident=resident
            )
        except CommunityArchived:
            return render_template("resident/help.html", refused=True), 409
        return redirect(url_for("resident.my_help_call", call_id=call.id), code=303)
    return render_template("resident/help.html", refused=False)


@bp.get("/me/help/<int:call_id>")
@resident_required
def my_help_call(call_id: int) -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    call = db.get(HelpCall, call_id)
    if call is None or call.resident_id != resident.id:
        abort(404)
    return render_template(
        "resident/help_call.html",
        call=call,
        names=calls.notified(db, call),
        state=calls.screen_state(call),
        poll_url=url_for("resident.my_help_call_state", call_id=call.id),
    )


@bp.get("/me/help/<int:call_id>/state")
@resident_required
def my_help_call_state(call_id: int) -> ResponseReturnValue:
    """What help.js polls on the phone (see kiosk.help_calls.help_call_state)."""
    call = get_session().get(HelpCall, call_id)
    if call is None or call.resident_id != the_resident().id:
        abort(404)
    return jsonify(state=calls.screen_state(call))


@bp.route("/help/<token>", methods=["GET", "POST"])
@writes
def help_ack(token: str) -> ResponseReturnValue:
    """The link in a help call's message: say you are on your way. Staff signed in to the console do it by
    their account; a guard with no account types their name."""
    db = get_session()
    call = calls.by_token(db, token[:64])
    if call is None:
        return render_template("resident/help_ack.html", call=None), 404
    staff = signed_in_staff()
    # The community's office sees more; a guard or a provider does not (the rule: policy).
    is_staff = staff is not None and may_see_help_call_details(staff, call.community_id)
    status = 200
    error = None
    if request.method == "POST":
        try:
            calls.acknowledge(db, current_actor(), call, request.form.get("name") or "")
        except calls.HelpCallError as exc:
            error = (
                _("This call is already closed.")
                if exc.reason == "closed"
                else _("Please write your name, so that the person waiting knows who is coming.")
            )
            status = 400
        else:
            return redirect(url_for("resident.help_ack", token=token), code=303)
    details = None
    if is_staff:
        contacts = contacts_of(db, call.resident_id) if call.resident_id is not None else []
        details = {
            "resident": call.resident.name if call.resident is not None else None,
            # The full numbers, so that staff can ring the family themselves (the view is audited below).
            "contacts": [(c.name, c.relation, vault().decrypt(PHONE_KIND, c.phone_cipher)) for c in contacts],
        }
        record(db, current_actor(), "help_call.viewed", "help_call", call.id, call.community_id)
    response = make_response(
        render_template(
            "resident/help_ack.html",
            call=call,
            details=details,
            first_name=calls.first_name(call.resident.name) if call.resident is not None else None,
            is_staff=is_staff,
            error=error,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
