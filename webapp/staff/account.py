"""A staff member's own settings: the optional second factor (TOTP), their e-mail address and the hourly
digest of their queues."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user

from webapp.auth.forms import TotpForm
from webapp.auth.policy import Permission, require
from webapp.auth.principals import SignedInStaff
from webapp.domain.identity.accounts import email_of, set_own_email
from webapp.domain.identity.roles import AccountError
from webapp.domain.identity.staff import confirm_totp, disable_totp, start_totp, totp_uri
from webapp.domain.privacy.audit import record
from webapp.infra.db import get_session
from webapp.shared.context import current_actor, vault
from webapp.shared.messages import account_error
from webapp.staff.blueprint import bp
from webapp.staff.forms import ContactForm


def contact_form() -> ContactForm:
    staff = current_user.staff
    form = ContactForm(formdata=None)
    form.email.data = email_of(vault(), staff)
    form.wants_digest.data = staff.wants_digest
    return form


@bp.get("/security")
@require(Permission.CONSOLE)
def security() -> ResponseReturnValue:
    return render_template("staff/security.html", form=TotpForm(), uri=None, contact=contact_form())


@bp.post("/security/contact")
@require(Permission.CONSOLE)
def contact_save() -> ResponseReturnValue:
    """Their own address and digest choice; a bad address keeps what was typed and says why."""
    form = ContactForm()
    if form.validate_on_submit():
        try:
            set_own_email(
                get_session(),
                vault(),
                current_user.staff,
                form.email.data or "",
                bool(form.wants_digest.data),
            )
        except AccountError as exc:
            field = form.wants_digest if exc.reason == "email_needed" else form.email
            field.errors = [account_error(exc.reason)]
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.security", _anchor="contact"), code=303)
    return render_template("staff/security.html", form=TotpForm(), uri=None, contact=form), 400


@bp.post("/security/totp")
@require(Permission.CONSOLE)
def totp_start() -> ResponseReturnValue:
    db = get_session()
    uri = start_totp(db, vault(), current_user.staff)
    return render_template("staff/security.html", form=TotpForm(), uri=uri, contact=contact_form())


@bp.post("/security/totp/confirm")
@require(Permission.CONSOLE)
def totp_confirm() -> ResponseReturnValue:
    form = TotpForm()
    db = get_session()
    staff = current_user.staff
    if form.validate_on_submit() and confirm_totp(db, vault(), staff, form.code.data or ""):
        record(db, current_actor(), "staff.totp_on", "staff_user", staff.id)
        login_user(SignedInStaff(staff))  # keep this session: it has just proved the second factor
        flash(_("Two-step sign-in is on."), "info")
        return redirect(url_for("staff.security"), code=303)
    form.code.errors = [_("That code is not right. Codes change every 30 seconds: try the newest one.")]
    form.code.data = ""
    page = render_template(
        "staff/security.html", form=form, uri=totp_uri(vault(), staff), contact=contact_form()
    )
    return page, 400


@bp.post("/security/totp/off")
@require(Permission.CONSOLE)
def totp_off() -> ResponseReturnValue:
    db = get_session()
    disable_totp(db, current_user.staff)
    record(db, current_actor(), "staff.totp_off", "staff_user", current_user.staff.id)
    session.modified = True
    flash(_("Two-step sign-in is off."), "info")
    return redirect(url_for("staff.security"), code=303)
