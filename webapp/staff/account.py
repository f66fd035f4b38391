"""A staff member's own security settings: the optional second factor (TOTP)."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user

from webapp.auth.forms import TotpForm
from webapp.auth.policy import Permission, require
from webapp.auth.principals import SignedInStaff
from webapp.domain.identity.staff import confirm_totp, disable_totp, start_totp, totp_uri
from webapp.domain.privacy.audit import record
from webapp.infra.db import get_session
from webapp.shared.context import current_actor, vault
from webapp.staff.blueprint import bp


@bp.get("/security")
@require(Permission.CONSOLE)
def security() -> ResponseReturnValue:
    return render_template("staff/security.html", form=TotpForm(), uri=None)


@bp.post("/security/totp")
@require(Permission.CONSOLE)
def totp_start() -> ResponseReturnValue:
    db = get_session()
    uri = start_totp(db, vault(), current_user.staff)
    return render_template("staff/security.html", form=TotpForm(), uri=uri)


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
    return render_template("staff/security.html", form=form, uri=totp_uri(vault(), staff)), 400


@bp.post("/security/totp/off")
@require(Permission.CONSOLE)
def totp_off() -> ResponseReturnValue:
    db = get_session()
    disable_totp(db, current_user.staff)
    record(db, current_actor(), "staff.totp_off", "staff_user", current_user.staff.id)
    session.modified = True
    flash(_("Two-step sign-in is off."), "info")
    return redirect(url_for("staff.security"), code=303)
