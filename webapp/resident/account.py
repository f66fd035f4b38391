"""Residents on their phones: card link + PIN, passkeys, kiosk hand-off, and their own data.

A card alone never opens personal data on a phone: the card link asks for the PIN, and "My data"
asks again (PIN or passkey) when the last check is more than a few minutes old.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from webapp.auth.principals import SignedInResident, signed_in_resident, the_resident
from webapp.domain.identity import passkeys
from webapp.domain.identity.cards import CardRefused, card_for_token
from webapp.domain.identity.handoff import HandoffRefused, consume_handoff
from webapp.domain.identity.pins import card_key_for, device_key, verify_pin
from webapp.domain.privacy.audit import record
from webapp.domain.privacy.rights import export, pending_deletion, request_deletion
from webapp.domain.register.residents import active_card, active_consents, masked_id_number, masked_phone
from webapp.infra import clock
from webapp.infra.db import get_session, writes
from webapp.infra.i18n import short_day_words
from webapp.infra.json_body import Shape, Text, TextList, json_body
from webapp.infra.unit_of_work import keep
from webapp.models import Resident, ResidentCard
from webapp.resident.blueprint import bp
from webapp.shared.answers import news_lines
from webapp.shared.context import current_actor, vault
from webapp.shared.pins import PIN_STATUS, PinForm, pin_message
from webapp.shared.throttles import link_checks, note_failure, refuse_if_throttled

DEVICE_COOKIE = "linli_device"
STEP_UP = timedelta(minutes=10)


def device() -> str:
    """This phone's throttle key: a random cookie we set, else its address."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if len(value) >= 16 and value.replace("-", "").replace("_", "").isalnum():
        return device_key("cookie", value)
    return device_key("ip", request.remote_addr or "unknown")


def with_device_cookie(response: WerkzeugResponse) -> WerkzeugResponse:
    """Give this phone its throttle cookie (also on `redirect()`'s answer, which is werkzeug's class)."""
    if not request.cookies.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(18),
            max_age=5 * 365 * 86400,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def resident_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if signed_in_resident() is None:
            return redirect(url_for("resident.sign_in"))
        return view(*args, **kwargs)

    return wrapped


def recently_verified() -> bool:
    at = session.get("verified_at")
    return isinstance(at, int | float) and clock.now().timestamp() - at < STEP_UP.total_seconds()


def verified_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Personal data needs a fresh PIN or passkey check, not just a session."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not recently_verified():
            return redirect(url_for("resident.verify", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def _sign_in(resident: Resident, method: str) -> None:
    session.clear()
    login_user(SignedInResident(resident))
    session["verified_at"] = clock.now().timestamp()
    db = get_session()
    record(
        db, current_actor(), "resident.sign_in", "resident", resident.id, resident.community_id, method=method
    )


CARD_MESSAGES = {
    "unknown": lambda: _("We do not know this card. Please check that you scanned a Linli resident card."),
    "revoked": lambda: _("This card no longer works. The community office can give you a new one."),
    "moved_out": lambda: _("This card no longer works. The community office can give you a new one."),
}


@bp.get("/c/<token>")
@writes  # a wrong link is counted (webapp/shared/throttles.py)
def card_link(token: str) -> ResponseReturnValue:
    """A phone camera opened a card: remember which card (never the token) and ask for the PIN."""
    checks = link_checks("card")
    if (wait := refuse_if_throttled(checks)) is not None:
        return wait
    db = get_session()
    try:
        card = card_for_token(db, token[:100])
    except CardRefused as exc:
        if exc.reason == "unknown":
            note_failure(checks)
            keep()  # a wrong link counts
        return render_template("resident/card_refused.html", message=CARD_MESSAGES[exc.reason]()), (
            404 if exc.reason == "unknown" else 410
        )
    session["pending_card"] = card.id
    return with_device_cookie(redirect(url_for("resident.card_pin"), code=303))


def check_pin_form(form: PinForm, resident: Resident, card_hash: str | None) -> tuple[bool, str | None, int]:
    """Run a submitted PIN through the throttle: (right?, message for the person, HTTP status)."""
    if not form.validate_on_submit():
        return False, None, 400 if request.method == "POST" else 200
    db = get_session()
    result = verify_pin(
        db,
        current_actor(),
        resident,
        form.pin.data or "",
        card_key_for(resident, card_hash),
        device(),
        end_transaction=keep,
    )
    keep()  # the attempt counts, right or wrong
    form.pin.data = ""
    if result.ok:
        return True, None, 200
    return False, pin_message(result), PIN_STATUS.get(result.outcome, 403)


@bp.route("/c", methods=["GET", "POST"])
def card_pin() -> ResponseReturnValue:
    card_id = session.get("pending_card")
    card = get_session().get(ResidentCard, card_id) if isinstance(card_id, int) else None
    if card is None or card.revoked_at is not None:
        return redirect(url_for("resident.sign_in"))
    form = PinForm()
    ok, message, status = check_pin_form(form, card.resident, card.token_hash)
    if ok:
        _sign_in(card.resident, "card_pin")
        return redirect(url_for("resident.me"), code=303)
    page = render_template("resident/pin.html", form=form, message=message, name=card.resident.name)
    return with_device_cookie(Response(page, status))


@bp.get("/sign-in")
def sign_in() -> ResponseReturnValue:
    if signed_in_resident() is not None:
        return redirect(url_for("resident.me"))
    return render_template("resident/sign_in.html")


@bp.get("/h/<token>")
@writes
def handoff(token: str) -> ResponseReturnValue:
    """The phone scanned the one-time QR shown at the kiosk after the resident's PIN there."""
    checks = link_checks("handoff")
    if (wait := refuse_if_throttled(checks)) is not None:
        return wait
    db = get_session()
    try:
        resident = consume_handoff(db, token[:100])
    except HandoffRefused:
        note_failure(checks)
        keep()  # a used or stale code counts as a wrong link
        return render_template(
            "resident/card_refused.html",
            message=_(
                "This QR code has already been used or is more than 2 minutes old. "
                "Please ask the lobby screen for a new one."
            ),
        ), 410
    _sign_in(resident, "handoff")
    return redirect(url_for("resident.me"), code=303)


@bp.get("/me")
@resident_required
def me() -> ResponseReturnValue:
    """The resident's own start page; news about their requests is shown here, not yet marked as seen."""
    from webapp.domain.desk.bookings import active_booking
    from webapp.domain.desk.notifications import unseen
    from webapp.domain.desk.tickets import open_requests_of
    from webapp.domain.life.notices import unread_urgent
    from webapp.domain.register.settings import closures_ahead

    resident = the_resident()
    db = get_session()
    mine = [(t, active_booking(db, t)) for t in open_requests_of(db, resident.id)]
    return render_template(
        "resident/me.html",
        resident=resident,
        news=news_lines(unseen(db, resident.id)),
        mine=mine,
        urgent=unread_urgent(db, resident),
        closures=closures_ahead(resident.community),
        office_hours=resident.community.office_hours,
    )


@bp.route("/me/verify", methods=["GET", "POST"])
@resident_required
def verify() -> ResponseReturnValue:
    """Ask the PIN again before personal data."""
    resident = the_resident()
    target = request.args.get("next", "")
    target = target if target.startswith("/me") and "//" not in target else url_for("resident.my_data")
    form = PinForm()
    card = active_card(get_session(), resident)
    ok, message, status = check_pin_form(form, resident, card.token_hash if card else None)
    if ok:
        session["verified_at"] = clock.now().timestamp()
        return redirect(target, code=303)
    return render_template(
        "resident/pin.html", form=form, message=message, name=resident.name, verify=True
    ), status


@bp.get("/me/data")
@resident_required
@verified_required
def my_data() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    return render_template(
        "resident/my_data.html",
        resident=resident,
        masked_id=masked_id_number(resident),
        masked_phone=masked_phone(resident),
        consents=active_consents(resident),
        card=active_card(db, resident),
        passkey_count=len(passkeys.credentials_of(db, resident)),
        deletion=pending_deletion(db, resident),
    )


@bp.get("/me/data.json")
@writes
@resident_required
@verified_required
def my_data_export() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    data = export(db, vault(), resident)
    record(db, current_actor(), "resident.export", "resident", resident.id, resident.community_id)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=linli-my-data.json"},
    )


@bp.post("/me/deletion")
@resident_required
@verified_required
def my_deletion() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    request_deletion(db, current_actor(), resident, "phone")
    flash(
        _("Your request is sent. The community office will confirm it and erase your personal data."), "info"
    )
    return redirect(url_for("resident.my_data"), code=303)


@bp.post("/me/sign-out")
@resident_required
def sign_out() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("resident.home"), code=303)


# Passkeys -----------------------------------------------------------------------------------------


def relying_party() -> passkeys.RelyingParty:
    """The passkey's relying party is the host the resident actually uses (no port)."""
    origin = request.host_url.rstrip("/")
    return passkeys.RelyingParty(id=urlsplit(origin).hostname or "localhost", origin=origin)


@bp.get("/me/passkeys")
@resident_required
def my_passkeys() -> ResponseReturnValue:
    resident = the_resident()
    return render_template(
        "resident/passkeys.html", credentials=passkeys.credentials_of(get_session(), resident)
    )


@bp.post("/me/passkeys/options")
@resident_required
@verified_required
def passkey_register_options() -> ResponseReturnValue:
    resident = the_resident()
    options, challenge = passkeys.registration_options(get_session(), relying_party(), resident)
    session["passkey_challenge"] = challenge.hex()
    return Response(options, mimetype="application/json")


# A WebAuthn credential as static/js/passkey.js sends it. Kinds and sizes only: whether it is complete and
# genuine is py_webauthn's to say (a refusal in words, 401), after the challenge is checked (400).
PASSKEY_BODY = Shape(
    required=True,
    id=Text(max_length=1024),
    rawId=Text(max_length=1024),
    type=Text(max_length=32),
    authenticatorAttachment=Text(max_length=32, nullable=True),
    response=Shape(
        clientDataJSON=Text(max_length=8192),
        attestationObject=Text(max_length=16384),
        authenticatorData=Text(max_length=8192),
        signature=Text(max_length=2048),
        userHandle=Text(max_length=1024, nullable=True),
        transports=TextList(max_items=8, max_length=32),
    ),
)


@bp.post("/me/passkeys")
@resident_required
@verified_required
@json_body(PASSKEY_BODY)
def passkey_register(body: dict[str, Any]) -> ResponseReturnValue:
    resident = the_resident()
    challenge = session.pop("passkey_challenge", None)
    if not challenge:
        return jsonify(ok=False, message=_("Please try again.")), 400
    db = get_session()
    try:
        passkeys.register(
            db,
            current_actor(),
            relying_party(),
            resident,
            request.get_data(as_text=True)[:20000],
            bytes.fromhex(challenge),
            label=_("Phone added %(date)s", date=short_day_words(clock.now())),
        )
    except passkeys.PasskeyRefused:
        return jsonify(ok=False, message=_("This phone could not be added. Please try again.")), 400
    return jsonify(ok=True, next=url_for("resident.my_passkeys"))


@bp.post("/me/passkeys/<int:credential_id>/remove")
@resident_required
@verified_required
def passkey_remove(credential_id: int) -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    if not passkeys.remove(db, current_actor(), resident, credential_id):
        abort(404)
    flash(_("Removed."), "info")
    return redirect(url_for("resident.my_passkeys"), code=303)


@bp.post("/sign-in/passkey/options")
def passkey_auth_options() -> ResponseReturnValue:
    options, challenge = passkeys.authentication_options(relying_party())
    session["passkey_auth_challenge"] = challenge.hex()
    return Response(options, mimetype="application/json")


def passkey_refused(_error: object = None) -> ResponseReturnValue:
    session.pop("passkey_auth_challenge", None)
    return jsonify(
        ok=False, message=_("We could not sign you in with this phone. Please use your card.")
    ), 401


@bp.post("/sign-in/passkey")
@json_body(PASSKEY_BODY)
def passkey_auth(body: dict[str, Any]) -> ResponseReturnValue:
    challenge = session.pop("passkey_auth_challenge", None)
    if not challenge:
        return jsonify(ok=False, message=_("Please try again.")), 400
    db = get_session()
    try:
        resident = passkeys.authenticate(
            db, relying_party(), request.get_data(as_text=True)[:20000], bytes.fromhex(challenge)
        )
    except passkeys.PasskeyRefused:
        return passkey_refused()
    _sign_in(resident, "passkey")
    return jsonify(ok=True, next=url_for("resident.me"))
