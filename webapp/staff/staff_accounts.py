"""Staff accounts: an administrator invites colleagues, changes their roles, disables them and resets their
password or second factor. The rules (rank, last administrator) are the core's; this face words them."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from webapp.auth.policy import Permission, deny, require
from webapp.domain.identity import accounts
from webapp.domain.identity.accounts import AccountError, NewLink
from webapp.domain.identity.roles import grant_region, grantable_regions, revoke_region
from webapp.domain.messages.staff_mail import invitation_mail
from webapp.domain.register.community import communities_by_id
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.models import Role, StaffUser
from webapp.shared.context import base_url, current_actor, vault
from webapp.shared.labels import role_label
from webapp.shared.messages import account_error
from webapp.shared.options import options
from webapp.staff.blueprint import bp
from webapp.staff.forms import GrantForm, InviteForm
from webapp.staff.scope import allowed_ids


def _choices(form: InviteForm | GrantForm) -> None:
    """Only the communities this person administers, and only the roles they may grant."""
    from flask_babel import get_locale

    locale = str(get_locale() or "zh_Hans")
    communities = communities_by_id(get_session(), set(allowed_ids(Permission.MANAGE_STAFF)))
    form.community_id.choices = options((str(c.id), c.name(locale)) for c in communities)
    # The everyday role first, administrator last: a default that grants the least.
    order = (
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.PROPERTY_MANAGER,
        Role.SERVICE_PROVIDER,
        Role.VOLUNTEER,
        Role.ADMIN,
    )
    form.role.choices = options((r.value, role_label(r)) for r in order)


def _parse(form: InviteForm | GrantForm) -> tuple[int, Role] | None:
    """The chosen community and role, or None after putting a message on the field at fault."""
    community_id = small_int(form.community_id.data or "", 2**31 - 1)
    if community_id is None or community_id not in allowed_ids(Permission.MANAGE_STAFF):
        form.community_id.errors = [account_error("above_own_role")]
        return None
    try:
        role = Role(form.role.data or "")
    except ValueError:
        form.role.errors = [_("Please choose one of the roles shown.")]
        return None
    return community_id, role


def _colleague_or_404(user_id: int) -> StaffUser:
    """A colleague with a role in one of my communities; anyone else is a 404, audited."""
    db = get_session()
    user = db.get(StaffUser, user_id)
    mine = allowed_ids(Permission.MANAGE_STAFF)
    regions = {r.id for r in grantable_regions(db, current_user.staff)}
    if user is None or not (
        any(r.community_id in mine for r in user.roles)
        or any(r.region_id in regions for r in user.region_roles)
    ):
        deny(subject_type="staff_user", subject_id=user_id, permission=Permission.MANAGE_STAFF.value)
        abort(404)
    return user


def _link_page(
    link: NewLink, user: StaffUser | None = None, mailed: bool = False, unmailed: bool = False
) -> ResponseReturnValue:
    return render_template(
        "staff/account_link.html",
        link=link,
        url=link.url(base_url()),
        user=user,
        mailed=mailed,
        unmailed=unmailed,
    )


@bp.route("/accounts", methods=["GET", "POST"])
@require(Permission.MANAGE_STAFF)
def accounts_list() -> ResponseReturnValue:
    db = get_session()
    form = InviteForm()
    _choices(form)
    status = 200
    if form.validate_on_submit():
        chosen = _parse(form)
        if chosen is not None:
            try:
                link = accounts.invite(
                    db,
                    current_actor(),
                    current_user.staff,
                    chosen[0],
                    chosen[1],
                    form.display_name.data or "",
                    form.provider.data,
                    email=form.email.data or "",
                    vault=vault(),
                )
            except AccountError as exc:
                field = {
                    "provider": form.provider,
                    "name": getattr(form, "display_name", form.role),
                    "email": form.email,
                }.get(exc.reason, form.role)
                field.errors = [account_error(exc.reason)]
            else:
                mailed = invitation_mail(db, vault(), link, link.url(base_url()))
                return _link_page(link, mailed=bool(mailed), unmailed=bool(form.email.data) and not mailed)
        status = 400
    elif form.is_submitted():
        status = 400
    ids = allowed_ids(Permission.MANAGE_STAFF)
    regions = {r.id for r in grantable_regions(db, current_user.staff)}  # a district administrator's
    page = render_template(
        "staff/accounts.html",
        form=form,
        people=accounts.staff_of(db, ids, regions),
        pending=accounts.pending_invitations(db, ids),
        mine=ids,
        my_regions=regions,
    )
    return page, status


def _detail(user: StaffUser, form: GrantForm | None = None, error: str | None = None) -> str:
    if form is None:
        form = GrantForm(formdata=None)
        _choices(form)
    regions = grantable_regions(get_session(), current_user.staff)
    return render_template(
        "staff/account_detail.html",
        user=user,
        form=form,
        error=error,
        mine=allowed_ids(Permission.MANAGE_STAFF),
        regions=regions,
        my_regions={r.id for r in regions},
    )


@bp.get("/accounts/<int:user_id>")
@require(Permission.MANAGE_STAFF)
def account_detail(user_id: int) -> ResponseReturnValue:
    return _detail(_colleague_or_404(user_id))


@bp.post("/accounts/<int:user_id>/roles")
@require(Permission.MANAGE_STAFF)
def account_grant(user_id: int) -> ResponseReturnValue:
    user = _colleague_or_404(user_id)
    form = GrantForm()
    _choices(form)
    if form.validate_on_submit():
        chosen = _parse(form)
        if chosen is not None:
            db = get_session()
            try:
                accounts.grant(
                    db, current_actor(), current_user.staff, user, chosen[0], chosen[1], form.provider.data
                )
            except AccountError as exc:
                field = {"provider": form.provider, "name": getattr(form, "display_name", form.role)}.get(
                    exc.reason, form.role
                )
                field.errors = [account_error(exc.reason)]
            else:
                flash(_("Saved."), "info")
                return redirect(url_for("staff.account_detail", user_id=user.id), code=303)
    return _detail(user, form), 400


@bp.post("/accounts/<int:user_id>/roles/<int:role_id>/remove")
@require(Permission.MANAGE_STAFF)
def account_revoke(user_id: int, role_id: int) -> ResponseReturnValue:
    user = _colleague_or_404(user_id)
    staff_role = next((r for r in user.roles if r.id == role_id), None)
    if staff_role is None:
        abort(404)
    return _account_action(
        user, lambda db: accounts.revoke(db, current_actor(), current_user.staff, user, staff_role)
    )


def _account_action(
    user: StaffUser, change: Callable[[Session], object], done: str | None = None
) -> ResponseReturnValue:
    """Run one change; a refusal shows the account again with the reason (nothing was changed)."""
    db = get_session()
    try:
        result = change(db)
    except AccountError as exc:
        return _detail(user, error=account_error(exc.reason)), 409 if exc.reason == "last_admin" else 400
    if isinstance(result, NewLink):
        answer = _link_page(result, user)
    else:
        flash(done or _("Saved."), "info")
        answer = redirect(url_for("staff.account_detail", user_id=user.id), code=303)
    return answer


@bp.post("/accounts/<int:user_id>/disable")
@require(Permission.MANAGE_STAFF)
def account_disable(user_id: int) -> ResponseReturnValue:
    user = _colleague_or_404(user_id)
    return _account_action(
        user,
        lambda db: accounts.set_active(db, current_actor(), current_user.staff, user, False),
        _("The account is disabled. Its sessions have ended."),
    )


@bp.post("/accounts/<int:user_id>/enable")
@require(Permission.MANAGE_STAFF)
def account_enable(user_id: int) -> ResponseReturnValue:
    user = _colleague_or_404(user_id)
    return _account_action(
        user,
        lambda db: accounts.set_active(db, current_actor(), current_user.staff, user, True),
        _("The account can sign in again."),
    )


@bp.post("/accounts/<int:user_id>/password-reset")
@require(Permission.MANAGE_STAFF)
def account_password_reset(user_id: int) -> ResponseReturnValue:
    user = _colleague_or_404(user_id)
    return _account_action(
        user, lambda db: accounts.force_password_reset(db, current_actor(), current_user.staff, user)
    )


@bp.post("/accounts/<int:user_id>/totp-reset")
@require(Permission.MANAGE_STAFF)
def account_totp_reset(user_id: int) -> ResponseReturnValue:
    user = _colleague_or_404(user_id)
    return _account_action(
        user,
        lambda db: accounts.reset_totp(db, current_actor(), current_user.staff, user),
        _("Two-step sign-in is removed from this account. Its sessions have ended."),
    )


@bp.post("/accounts/<int:user_id>/regions")
@require(Permission.MANAGE_STAFF)
def account_grant_region(user_id: int) -> ResponseReturnValue:
    """Make a colleague district administrator of a region: only a district administrator of that region (or
    one above it) may, never for a region above their own (the core checks)."""
    user = _colleague_or_404(user_id)
    region_id = small_int(request.form.get("region_id") or "", 2**31 - 1) or 0
    return _account_action(
        user,
        lambda db: grant_region(db, current_actor(), current_user.staff, user, region_id),
    )


@bp.post("/accounts/<int:user_id>/regions/<int:region_role_id>/remove")
@require(Permission.MANAGE_STAFF)
def account_revoke_region(user_id: int, region_role_id: int) -> ResponseReturnValue:
    user = _colleague_or_404(user_id)
    held = next((r for r in user.region_roles if r.id == region_role_id), None)
    if held is None:
        abort(404)
    return _account_action(
        user, lambda db: revoke_region(db, current_actor(), current_user.staff, user, held)
    )
