"""Staff sign-in and sign-out, and how Flask-Login finds the signed-in person."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from webapp.auth.forms import AcceptInviteForm, StaffSignInForm, TotpForm
from webapp.auth.policy import Permission, can
from webapp.auth.principals import (
    Principal,
    PrincipalKind,
    SignedInFamily,
    SignedInResident,
    SignedInStaff,
    current_principal,
    signed_in_resident,
    signed_in_staff,
)
from webapp.domain.identity import throttle
from webapp.domain.identity.accounts import AccountError, accept, open_link
from webapp.domain.identity.staff import check_totp, find_staff, normalise_username
from webapp.domain.identity.staff import sign_in as sign_in_checked
from webapp.domain.identity.throttle import Check
from webapp.domain.privacy.audit import record
from webapp.domain.register.setup import is_set_up
from webapp.infra import clock, i18n
from webapp.infra.db import get_session, writes
from webapp.infra.extensions import login_manager
from webapp.infra.unit_of_work import keep
from webapp.models import FamilyMember, InvitationKind, Resident, StaffUser
from webapp.shared import throttles
from webapp.shared.context import current_actor, vault
from webapp.shared.labels import role_label
from webapp.shared.messages import account_error
from webapp.shared.ui import safe_next

bp = Blueprint("auth", __name__, url_prefix="/staff")

STAFF_IDLE = timedelta(minutes=30)
STAFF_ABSOLUTE = timedelta(hours=12)
TOTP_STEP_SECONDS = 300  # time allowed between the password and the code


def load_principal(user_id: str) -> Principal | None:
    kind, _, rest = user_id.partition(":")
    raw_id, _, version = rest.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    if kind == PrincipalKind.STAFF:
        staff = get_session().get(StaffUser, int(raw_id))
        if staff is None or not staff.is_active or staff.session_version != int(version):
            return None
        return SignedInStaff(staff)
    if kind == PrincipalKind.RESIDENT:
        resident = get_session().get(Resident, int(raw_id))
        if (
            resident is None
            or resident.auth_version != int(version)
            or resident.erased_at is not None
            or resident.moved_out_at is not None
        ):
            return None
        return SignedInResident(resident)
    if kind == PrincipalKind.FAMILY:
        member = get_session().get(FamilyMember, int(raw_id))
        if member is None or member.auth_version != int(version):
            return None
        return SignedInFamily(member)
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_principal)

    app.before_request(enforce_staff_session_limits)
    app.jinja_env.globals.update(staff_can=staff_can, role_label=role_label, is_staff=is_staff)
    i18n.know_people(app, i18n.PersonLookup(locale=saved_locale, timezone=home_timezone))


def saved_locale() -> str | None:
    """The language the signed-in person chose (staff, resident or family member alike)."""
    principal = current_principal()
    return principal.preferred_locale if principal is not None else None


def home_timezone() -> str | None:
    """A signed-in resident's community's time zone (staff and family see the community's through what
    they open: a kiosk's, or the default)."""
    resident = signed_in_resident()
    return str(resident.community.timezone) if resident is not None else None


def staff_can(permission: str) -> bool:
    """For templates: may the signed-in staff member do *permission* anywhere? (Views check again.)"""
    return is_staff() and can(current_user.staff, Permission(permission))


def is_staff() -> bool:
    return signed_in_staff() is not None


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    if is_staff():
        return redirect(url_for("staff.dashboard"))
    if not is_set_up(get_session()):
        return render_template("auth/not_set_up.html")  # no account can exist yet: say how to make one
    form = StaffSignInForm()
    error = None
    status = 200
    if form.validate_on_submit():
        db = get_session()
        username = form.username.data or ""
        checks = sign_in_checks(db, username)
        retry_at = throttle.retry_at(throttles.store(), checks)
        if retry_at is not None:
            form.password.data = ""
            error = wait_message(retry_at)
            page = render_template("auth/sign_in.html", form=form, error=error)
            return page, 429, {"Retry-After": str(throttle.seconds_until(retry_at))}
        store = throttles.store()
        result = sign_in_checked(
            db,
            username,
            form.password.data or "",
            end_transaction=keep,
            still_allowed=lambda: throttle.retry_at(store, checks) is None,
        )
        if result.throttled:  # the guesses sent beside this one used up the tries while it was checked
            retry_at = throttle.retry_at(store, checks) or clock.now()
            form.password.data = ""
            error = wait_message(retry_at)
            page = render_template("auth/sign_in.html", form=form, error=error)
            return page, 429, {"Retry-After": str(throttle.seconds_until(retry_at))}
        staff = result.user
        if staff is None:
            throttles.note_failure(checks)
        elif not staff.totp_enabled:
            throttle.succeeded(throttles.store(), checks[:1])
        keep()  # a wrong password counts
        if staff is not None and staff.totp_enabled:
            session.clear()
            session["totp_pending"] = [staff.id, staff.session_version, clock.now().timestamp()]
            return redirect(url_for("auth.second_factor", next=request.args.get("next")), code=303)
        if staff is not None:
            _start_staff_session(staff)
            return remember_device(
                redirect(safe_next(request.args.get("next"), url_for("staff.dashboard")), code=303), staff
            )
        error = _("That username and password do not match. Please check them and try again.")
        status = 401
    elif request.method == "POST":
        status = 400
    form.password.data = ""
    return render_template("auth/sign_in.html", form=form, error=error), status


KNOWN_DEVICE_COOKIE = "linli_staff_device"


def _device_signature(username: str, nonce: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    message = f"staff-device:{normalise_username(username)}:{nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def known_device(username: str) -> bool:
    """Has this browser signed in as *username* before? (A signed cookie set at each sign-in.)"""
    nonce, _, signature = request.cookies.get(KNOWN_DEVICE_COOKIE, "").partition(".")
    return bool(nonce) and hmac.compare_digest(signature, _device_signature(username, nonce))


def remember_device(response: WerkzeugResponse, staff: StaffUser) -> WerkzeugResponse:
    """Mark this browser as one *staff* signs in from (also on `redirect()`'s answer: werkzeug's class)."""
    nonce = secrets.token_urlsafe(12)
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        f"{nonce}.{_device_signature(staff.username, nonce)}",
        max_age=365 * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def sign_in_checks(db: Session, username: str) -> list[Check]:
    """The staff sign-in throttle for *username* from this browser (rules: domain/identity/throttle.py).

    The first check is the pair (address, username): a success resets it. The username's own count holds
    only for browsers that have not signed in as that user before, so someone guessing from elsewhere
    cannot keep the owner out of their usual browser; the address only warns (a shared office).
    """
    name, address = normalise_username(username), throttles.address()
    staff = find_staff(db, name)
    pair = Check(throttle.SIGN_IN_PAIR, throttle.key(throttle.SIGN_IN_PAIR, address, name))
    user = Check(throttle.SIGN_IN_USER, throttle.key(throttle.SIGN_IN_USER, name))
    if staff is not None:  # the audit row of a refusal names the account (and its first community)
        community_id = staff.roles[0].community_id if staff.roles else None
        pair = replace(pair, subject_type="staff_user", subject_id=staff.id, community_id=community_id)
        user = replace(user, subject_type="staff_user", subject_id=staff.id, community_id=community_id)
    checks = [pair, Check(throttle.SIGN_IN_ADDRESS, throttle.key(throttle.SIGN_IN_ADDRESS, address))]
    if known_device(name):
        return checks + [replace(user, rule=replace(throttle.SIGN_IN_USER, blocks=False))]
    return checks + [user]


def wait_message(retry_at: datetime) -> str:
    minutes = throttles.wait_minutes(retry_at)
    if minutes == 1:
        return _("Too many tries. For safety, please wait a minute and try again.")
    return _("Too many tries. For safety, please wait %(num)d minutes and try again.", num=minutes)


def _start_staff_session(staff: StaffUser) -> None:
    session.clear()  # a fresh session at sign-in: no fixation
    login_user(SignedInStaff(staff))
    now = clock.now().timestamp()
    session["signed_in_at"] = now
    session["seen_at"] = now


@bp.route("/sign-in/code", methods=["GET", "POST"])
def second_factor() -> ResponseReturnValue:
    pending = session.get("totp_pending")
    staff_id, version, started = (
        pending if isinstance(pending, list) and len(pending) == 3 else (None, None, 0)
    )
    db = get_session()
    staff = db.get(StaffUser, staff_id) if staff_id is not None else None
    if (
        staff is None
        or not staff.is_active
        or staff.session_version != version
        or clock.now().timestamp() - started > TOTP_STEP_SECONDS
    ):
        session.pop("totp_pending", None)
        return redirect(url_for("auth.sign_in"))
    form = TotpForm()
    status = 200
    if form.validate_on_submit():
        checks = sign_in_checks(db, staff.username)
        retry_at = throttle.retry_at(throttles.store(), checks)
        if retry_at is not None:
            form.code.errors = [wait_message(retry_at)]
            form.code.data = ""
            page = render_template("auth/second_factor.html", form=form)
            return page, 429, {"Retry-After": str(throttle.seconds_until(retry_at))}
        ok = check_totp(vault(), staff, form.code.data or "")
        if ok:
            throttle.succeeded(throttles.store(), checks[:1])
        else:
            throttles.note_failure(checks)
        keep()  # a wrong code counts
        if ok:
            _start_staff_session(staff)
            return remember_device(
                redirect(safe_next(request.args.get("next"), url_for("staff.dashboard")), code=303), staff
            )
        form.code.errors = [_("That code is not right. Codes change every 30 seconds: try the newest one.")]
        status = 401
    elif request.method == "POST":
        status = 400
    form.code.data = ""
    return render_template("auth/second_factor.html", form=form), status


SEEN_EVERY_SECONDS = 60


def enforce_staff_session_limits() -> ResponseReturnValue | None:
    """Idle 30 minutes or signed in 12 hours: the staff session ends (MLPS 2.0 idle lock-out).

    The idle clock is renewed at most once a minute and never by static files: a renewal rewrites the session
    cookie, and a stylesheet requested before "Sign out" and answered after it would sign the person back in.
    """
    if request.endpoint == "static" or not is_staff():
        return None
    now = clock.now().timestamp()
    signed_in_at = session.get("signed_in_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - seen_at > STAFF_IDLE.total_seconds() or now - signed_in_at > STAFF_ABSOLUTE.total_seconds():
        logout_user()
        session.clear()
        flash(_("You were signed out after a period without activity. Please sign in again."), "info")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))
    if now - seen_at >= SEEN_EVERY_SECONDS:
        session["seen_at"] = now
    return None


@bp.post("/keepalive")
@login_required
def keepalive() -> ResponseReturnValue:
    """Answer "Stay signed in": the before-request hook has already renewed the idle clock."""
    return "", 204


@bp.post("/sign-out")
@login_required
def sign_out() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"), code=303)


LINK_STATUS = {"invite_unknown": 404, "invite_used": 410, "invite_expired": 410}


@bp.route("/invite/<token>", methods=["GET", "POST"])
@writes  # a wrong link is counted and audited
def accept_invite(token: str) -> ResponseReturnValue:
    """A colleague's one-time link (an invitation or a password reset): they set their own password here,
    then sign in (and may turn on two-step sign-in under My security).

    Links carry 144 random bits, so guessing cannot work; still an address that keeps trying unknown links is
    slowed (the link throttle, as for cards) and every refused link is audited."""
    checks = throttles.link_checks("invite")
    if (wait := throttles.refuse_if_throttled(checks)) is not None:
        return wait
    db = get_session()
    try:
        invitation = open_link(db, token[:200])
    except AccountError as exc:
        if exc.reason == "invite_unknown":
            throttles.note_failure(checks)
        record(db, current_actor(), "staff.invite_refused", result="denied", reason=exc.reason)
        keep()  # the refusal and the count stand although the answer is an error
        return render_template(
            "auth/invite.html", error=account_error(exc.reason), form=None
        ), LINK_STATUS.get(exc.reason, 404)
    form = AcceptInviteForm()
    reset = invitation.kind == InvitationKind.RESET
    if reset:
        del form.username
        del form.display_name
    elif request.method == "GET":
        form.display_name.data = invitation.display_name
    status = 200
    if form.validate_on_submit():
        try:
            user = accept(
                db,
                token[:200],
                "" if reset else form.username.data or "",
                form.password.data or "",
                "" if reset else form.display_name.data or "",
            )
        except AccountError as exc:
            target = form.password if exc.reason.startswith("password") else None
            if exc.reason.startswith("username") and not reset:
                target = form.username
            if exc.reason == "name" and not reset:
                target = form.display_name
            if target is None:  # used meanwhile (another tab), or expired while the person typed
                page = render_template("auth/invite.html", error=account_error(exc.reason), form=None)
                return page, LINK_STATUS.get(exc.reason, 410)
            target.errors = [account_error(exc.reason)]
            status = 400
        else:
            flash(
                _("Your password is set. Please sign in as %(username)s.", username=user.username)
                + " "
                + _("You can turn on two-step sign-in under My security."),
                "info",
            )
            return redirect(url_for("auth.sign_in"), code=303)
    elif request.method == "POST":
        status = 400
    form.password.data = form.confirm.data = ""
    page = render_template("auth/invite.html", form=form, error=None, invitation=invitation, reset=reset)
    return page, status
