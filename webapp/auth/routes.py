"""Staff sign-in and sign-out, and how Flask-Login finds the signed-in person."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from webapp.auth.forms import StaffSignInForm
from webapp.auth.policy import Permission, can
from webapp.db import get_session
from webapp.domain.staff import authenticate
from webapp.extensions import login_manager
from webapp.models import StaffUser
from webapp.staff.labels import role_label
from webapp.ui import safe_next

bp = Blueprint("auth", __name__, url_prefix="/staff")


class SignedInStaff(UserMixin):
    """The staff member behind the current request.

    The id carries the user's session version: bumping it (disable, password change) makes every
    existing session cookie fail to load, which ends those sessions everywhere at once.
    """

    def __init__(self, staff: StaffUser) -> None:
        self.staff = staff
        self.id = staff.id
        self.display_name = staff.display_name
        self.preferred_locale = staff.preferred_locale

    def get_id(self) -> str:
        return f"staff:{self.staff.id}:{self.staff.session_version}"

    @property
    def is_active(self) -> bool:
        return self.staff.is_active


def load_principal(user_id: str) -> SignedInStaff | None:
    kind, _, rest = user_id.partition(":")
    if kind != "staff":
        return None
    raw_id, _, version = rest.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    staff = get_session().get(StaffUser, int(raw_id))
    if staff is None or not staff.is_active or staff.session_version != int(version):
        return None
    return SignedInStaff(staff)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_principal)

    app.jinja_env.globals.update(staff_can=staff_can, role_label=role_label)


def staff_can(permission: str) -> bool:
    """For templates: may the signed-in staff member do *permission* anywhere? (Views check again.)"""
    return bool(current_user.is_authenticated) and can(current_user.staff, Permission(permission))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("staff.dashboard"))
    form = StaffSignInForm()
    error = None
    status = 200
    if form.validate_on_submit():
        db = get_session()
        staff = authenticate(db, form.username.data or "", form.password.data or "")
        if staff is not None:
            db.commit()
            session.clear()  # a fresh session at sign-in: no fixation
            login_user(SignedInStaff(staff))
            return redirect(safe_next(request.args.get("next"), url_for("staff.dashboard")), code=303)
        error = _("That username and password do not match. Please check them and try again.")
        status = 401
    elif request.method == "POST":
        status = 400
    form.password.data = ""
    return render_template("auth/sign_in.html", form=form, error=error), status


@bp.post("/sign-out")
@login_required
def sign_out() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"), code=303)
