"""Family members on their own phones (亲情账号): claim a link by its one-time QR, sign in by an SMS code to
their own number, and see or do for each linked resident only what that resident chose.

Every page about a resident goes through `links.link_for` (the member's own live link, checked for the
page's scope): another resident's data is never one id away. The pages never show ID numbers, PINs or the
resident's other family members.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from webapp.auth.principals import SignedInFamily, signed_in_family, the_family_member
from webapp.domain import DomainError
from webapp.domain.desk.catalog import AnswerErrors
from webapp.domain.family import acts, links
from webapp.domain.family import passkeys as family_passkeys
from webapp.domain.family.links import FamilyError
from webapp.domain.family.members import CodeOutcome, check_code, member_for_phone, send_code
from webapp.domain.identity.numbers import InvalidPhone
from webapp.domain.identity.passkeys import PasskeyRefused, authentication_options
from webapp.domain.life.events import EventError
from webapp.domain.privacy.audit import record
from webapp.domain.training.skills import TrainingError
from webapp.infra import clock
from webapp.infra.db import get_session, writes
from webapp.infra.i18n import current_locale
from webapp.infra.json_body import json_body
from webapp.infra.unit_of_work import keep, refuse
from webapp.models import Event, FamilyLink, FamilyMember, FamilyScope, Slot, TrainingSession
from webapp.resident.account import PASSKEY_BODY, relying_party
from webapp.resident.blueprint import bp
from webapp.shared import confirm
from webapp.shared.context import channel, current_actor, vault
from webapp.shared.family import refusal
from webapp.shared.labels import HELP_OUTCOME_WORDS
from webapp.shared.messages import desk_error, life_error, training_error
from webapp.shared.options import options
from webapp.shared.throttles import link_checks, note_failure, refuse_if_throttled

PENDING = "family_pending"  # [member id, link id or 0, when]: between the phone number and the code
PENDING_SECONDS = 15 * 60
VERIFIED = "family_verified_at"  # a passkey is added only within minutes of a sign-in
STEP_UP_SECONDS = 10 * 60


class PhoneForm(FlaskForm):
    phone = StringField(
        _l("Your mobile number"),
        validators=[DataRequired(_l("Please enter your mobile number.")), Length(max=20)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("The 6-digit code from the SMS"),
        validators=[
            DataRequired(_l("Please enter the code.")),
            Length(max=12, message=_l("This is too long.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"},
    )


class ReportForm(FlaskForm):
    service = SelectField(_l("What is it about?"), validators=[DataRequired()], choices=[])
    details = TextAreaField(
        _l("Describe the problem"),
        validators=[Length(max=500, message=_l("This is too long."))],
    )


def family_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if signed_in_family() is None:
            return redirect(url_for("resident.family_sign_in"))
        return view(*args, **kwargs)

    return wrapped


def _link(link_id: int, scope: FamilyScope | None = None) -> FamilyLink:
    """The member's own live link, or 404 (not theirs, ended) / 403 in words (a scope not chosen)."""
    try:
        return links.link_for(get_session(), the_family_member().id, link_id, scope)
    except FamilyError as exc:
        if exc.reason == "scope":
            page = render_template("family/refused.html", message=refusal("scope"), not_shared=True)
            abort(Response(page, 403))
        abort(404)


def _pending() -> tuple[FamilyMember, int] | None:
    value = session.get(PENDING)
    if not (isinstance(value, list) and len(value) == 3):
        return None
    member_id, link_id, at = value
    if not isinstance(at, int | float) or clock.now().timestamp() - at > PENDING_SECONDS:
        return None
    member = get_session().get(FamilyMember, member_id) if isinstance(member_id, int) else None
    return (member, int(link_id or 0)) if member is not None else None


def _start_code(form: PhoneForm, community_id: int | None, link_id: int) -> str | None:
    """Send a code to the typed number; the error in words, or None when the code is on its way."""
    db = get_session()
    try:
        member = member_for_phone(db, vault(), form.phone.data or "", create=link_id != 0)
        if member is not None and community_id is None:
            mine = links.links_of_member(db, member.id)
            community_id = mine[0].community_id if mine else None
        if member is not None and community_id is not None:
            send_code(db, vault(), member, community_id, current_locale())
    except InvalidPhone:
        return _("Please enter an 11-digit mobile number, like 13812345678.")
    except FamilyError as exc:
        return refusal(exc.reason)
    # An unknown number is not told apart from a known one: nobody learns who has family links.
    session[PENDING] = [member.id if member is not None else 0, link_id, clock.now().timestamp()]
    return None


def _sign_in(member: FamilyMember, method: str) -> None:
    session.clear()
    login_user(SignedInFamily(member))
    session[VERIFIED] = clock.now().timestamp()
    record(get_session(), current_actor(), "family.sign_in", "family_member", member.id, None, method=method)


@bp.route("/family/link/<token>", methods=["GET", "POST"])
@writes  # a wrong link is counted (webapp/shared/throttles.py)
def family_link(token: str) -> ResponseReturnValue:
    """A family member's phone scanned the one-time QR: their number first, then the code sent to it."""
    checks = link_checks("family")
    if (wait := refuse_if_throttled(checks)) is not None:
        return wait
    db = get_session()
    try:
        link = links.waiting_link(db, token[:100])
    except FamilyError as exc:
        if exc.reason == "unknown":
            note_failure(checks)
            keep()  # a wrong link counts
        return render_template("family/refused.html", message=refusal(exc.reason)), 410
    form = PhoneForm()
    error = None
    if form.validate_on_submit():
        error = _start_code(form, link.community_id, link.id)
        if error is None:
            return redirect(url_for("resident.family_code"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("family/link.html", form=form, link=link, error=error), status


@bp.route("/family/sign-in", methods=["GET", "POST"])
def family_sign_in() -> ResponseReturnValue:
    """A family member coming back: their number, then the code."""
    if signed_in_family() is not None:
        return redirect(url_for("resident.family_home"))
    form = PhoneForm()
    error = None
    if form.validate_on_submit():
        error = _start_code(form, None, 0)
        if error is None:
            return redirect(url_for("resident.family_code"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("family/sign_in.html", form=form, error=error), status


@bp.route("/family/code", methods=["GET", "POST"])
def family_code() -> ResponseReturnValue:
    pending = _pending()
    if pending is None:
        return redirect(url_for("resident.family_sign_in"))
    member, link_id = pending
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        db = get_session()
        outcome = check_code(db, vault(), member, form.code.data or "")
        if outcome is CodeOutcome.OK:
            if link_id:
                try:
                    links.claim_link(db, link_id, member, channel())
                except FamilyError as exc:
                    keep()  # the code was used
                    session.pop(PENDING, None)
                    return render_template("family/refused.html", message=refusal(exc.reason)), 410
            if not links.links_of_member(db, member.id):
                keep()
                return render_template("family/refused.html", message=refusal("unknown")), 403
            _sign_in(member, "sms_code")
            return redirect(url_for("resident.family_home"), code=303)
        keep()  # every try counts
        error = refusal(outcome.value)
        form.code.data = ""
        return render_template("family/code.html", form=form, error=error), 401
    status = 400 if request.method == "POST" else 200
    return render_template("family/code.html", form=form, error=error), status


@bp.post("/family/sign-out")
@family_required
def family_sign_out() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("resident.home"), code=303)


@bp.get("/family")
@family_required
def family_home() -> ResponseReturnValue:
    """The residents this family member is linked to, and what each one shared."""
    db = get_session()
    member = the_family_member()
    mine = links.links_of_member(db, member.id)
    return render_template(
        "family/home.html", links=mine, has_passkey=family_passkeys.has_passkey(db, member.id)
    )


@bp.get("/family/<int:link_id>")
@family_required
def family_resident(link_id: int) -> ResponseReturnValue:
    return render_template("family/resident.html", link=_link(link_id))


@bp.post("/family/<int:link_id>/end")
@family_required
def family_end(link_id: int) -> ResponseReturnValue:
    """The family member ends their own link (asked once first); the resident is told."""
    link = _link(link_id)
    asked = confirm.for_leaving_family_link(link)
    if not confirm.confirmed():
        return confirm.screen("resident", asked, url_for("resident.family_resident", link_id=link.id))
    acts.step_away(get_session(), link)
    flash(asked.done, "info")
    return redirect(url_for("resident.family_home"), code=303)


@bp.get("/family/<int:link_id>/checkins")
@family_required
def family_checkins(link_id: int) -> ResponseReturnValue:
    link = _link(link_id, FamilyScope.CHECKINS)
    db = get_session()
    return render_template(
        "family/checkins.html",
        link=link,
        checkins=acts.recent_checkins(db, link),
        alerts=acts.recent_alerts(db, link),
        outcome_words=HELP_OUTCOME_WORDS,
    )


@bp.get("/family/<int:link_id>/tickets")
@family_required
def family_tickets(link_id: int) -> ResponseReturnValue:
    link = _link(link_id, FamilyScope.TICKETS)
    return render_template("family/tickets.html", link=link, tickets=acts.tickets_of(get_session(), link))


@bp.route("/family/<int:link_id>/tickets/new", methods=["GET", "POST"])
@family_required
def family_report(link_id: int) -> ResponseReturnValue:
    """Report a request for the resident, through the desk's own rule (as "on behalf of" in the audit)."""
    link = _link(link_id, FamilyScope.TICKETS)
    db = get_session()
    services = acts.reportable(db, link)
    form = ReportForm()
    form.service.choices = options((s.code, s.name(current_locale())) for s in services)
    error = None
    if form.validate_on_submit():
        service = next((s for s in services if s.code == form.service.data), None)
        if service is None:
            abort(404)
        try:
            done = acts.report(
                db, links.family_actor(link, channel()), link, service, form.details.data or "", vault()
            )
        except AnswerErrors as exc:
            error = desk_error(next(iter(exc.errors.values())))
        except DomainError:  # not eligible, or the community is archived: nothing new can start
            error = desk_error("not_eligible")
        else:
            flash(_("Request %(number)s is reported. We have told the resident.", number=done.request.number))
            return redirect(url_for("resident.family_tickets", link_id=link.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("family/report.html", link=link, form=form, error=error), status


@bp.get("/family/<int:link_id>/bookings")
@family_required
def family_bookings(link_id: int) -> ResponseReturnValue:
    link = _link(link_id, FamilyScope.BOOKINGS)
    db = get_session()
    booked_classes, booked_events = acts.booked_ids(db, link)
    return render_template(
        "family/bookings.html",
        link=link,
        classes=acts.classes(db, link),
        activities=acts.activities(db, link),
        appointments=acts.appointments(db, link),
        booked_classes=booked_classes,
        booked_events=booked_events,
    )


@bp.post("/family/<int:link_id>/appointment/<int:slot_id>/book")
@family_required
def family_book_appointment(link_id: int, slot_id: int) -> ResponseReturnValue:
    """Book an appointment's time for the resident (a ticket of that service, as the resident's own wizard
    files it); the resident is told. A time taken meanwhile is refused in words."""
    link = _link(link_id, FamilyScope.BOOKINGS)
    db = get_session()
    slot = db.get(Slot, slot_id)
    if slot is None:
        abort(404)
    try:
        done = acts.book_appointment(db, links.family_actor(link, channel()), link, slot, vault())
    except FamilyError:
        abort(404)  # not an appointment of the resident's community
    except AnswerErrors as exc:
        refuse()
        flash(desk_error(next(iter(exc.errors.values()))), "error")
        return redirect(url_for("resident.family_bookings", link_id=link.id), code=303)
    except DomainError:  # not eligible, or the community is archived
        refuse()
        flash(desk_error("not_eligible"), "error")
        return redirect(url_for("resident.family_bookings", link_id=link.id), code=303)
    flash(_("Booked: request %(number)s. We have told the resident.", number=done.request.number), "info")
    return redirect(url_for("resident.family_bookings", link_id=link.id), code=303)


@bp.post("/family/<int:link_id>/<any(class, activity):kind>/<int:item_id>/book")
@family_required
def family_book(link_id: int, kind: str, item_id: int) -> ResponseReturnValue:
    """Book a class or an activity for the resident, by its own rule; the resident is told."""
    link = _link(link_id, FamilyScope.BOOKINGS)
    db = get_session()
    actor = links.family_actor(link, channel())
    try:
        if kind == "class":
            ts = db.get(TrainingSession, item_id)
            if ts is None or ts.community_id != link.community_id:
                abort(404)
            acts.book_class(db, actor, link, ts)
        else:
            event = db.get(Event, item_id)
            if event is None or event.community_id != link.community_id:
                abort(404)
            acts.book_activity(db, actor, link, event)
    except TrainingError as exc:
        refuse()
        flash(training_error(exc.reason), "error")
        return redirect(url_for("resident.family_bookings", link_id=link.id), code=303)
    except EventError as exc:
        refuse()
        flash(life_error(exc.reason), "error")
        return redirect(url_for("resident.family_bookings", link_id=link.id), code=303)
    flash(_("Booked. We have told the resident."), "info")
    return redirect(url_for("resident.family_bookings", link_id=link.id), code=303)


# Passkeys: after a sign-in by SMS code, this phone can sign in with a fingerprint or face next time. -----


@bp.post("/family/passkeys/options")
@family_required
def family_passkey_options() -> ResponseReturnValue:
    at = session.get(VERIFIED)
    if not isinstance(at, int | float) or clock.now().timestamp() - at > STEP_UP_SECONDS:
        return jsonify(ok=False, message=_("Please sign in again with a code first.")), 403
    options, challenge = family_passkeys.registration_options(
        get_session(), relying_party(), the_family_member()
    )
    session["family_passkey_challenge"] = challenge.hex()
    return Response(options, mimetype="application/json")


@bp.post("/family/passkeys")
@family_required
@json_body(PASSKEY_BODY)
def family_passkey_register(body: dict[str, Any]) -> ResponseReturnValue:
    challenge = session.pop("family_passkey_challenge", None)
    if not challenge:
        return jsonify(ok=False, message=_("Please try again.")), 400
    try:
        family_passkeys.register(
            get_session(),
            current_actor(),
            relying_party(),
            the_family_member(),
            request.get_data(as_text=True)[:20000],
            bytes.fromhex(challenge),
        )
    except PasskeyRefused:
        return jsonify(ok=False, message=_("This phone could not be added. Please try again.")), 400
    flash(_("Done. Next time, sign in with your fingerprint or face."), "info")
    return jsonify(ok=True, next=url_for("resident.family_home"))


@bp.post("/family/sign-in/passkey/options")
def family_passkey_auth_options() -> ResponseReturnValue:
    options, challenge = authentication_options(relying_party())
    session["family_passkey_auth_challenge"] = challenge.hex()
    return Response(options, mimetype="application/json")


@bp.post("/family/sign-in/passkey")
@json_body(PASSKEY_BODY)
def family_passkey_auth(body: dict[str, Any]) -> ResponseReturnValue:
    challenge = session.pop("family_passkey_auth_challenge", None)
    if not challenge:
        return jsonify(ok=False, message=_("Please try again.")), 400
    db = get_session()
    try:
        member = family_passkeys.authenticate(
            db, relying_party(), request.get_data(as_text=True)[:20000], bytes.fromhex(challenge)
        )
    except PasskeyRefused:
        return jsonify(
            ok=False, message=_("We could not sign you in with this phone. Please ask for a code.")
        ), 401
    _sign_in(member, "passkey")
    return jsonify(ok=True, next=url_for("resident.family_home"))
