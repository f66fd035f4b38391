"""Communities under a region: a district administrator adds, edits and archives them (archived: readable,
nothing new). Each community's own office runs it; this page only sets it up."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.auth.policy import Permission, deny, require
from webapp.domain.identity.reach import region_ids_under
from webapp.domain.register.setup import (
    CommunityDetails,
    SetupError,
    add_community,
    edit_community,
    set_archived,
)
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.models import Community, Region
from webapp.shared.context import current_actor
from webapp.shared.options import options
from webapp.staff.blueprint import bp
from webapp.staff.forms import CommunityForm
from webapp.staff.scope import allowed_ids

SETUP_MESSAGES = {
    "name": lambda: _("Please give a name of at most 64 characters."),
    "timezone": lambda: _("Please give a time zone like Asia/Shanghai."),
    "too_long": lambda: _("This is too long."),
    "characters": lambda: _("Please use only letters, digits and punctuation."),
    "phone": lambda: _("This is too long."),
    "locale": lambda: _("Please choose one of the languages shown."),
    "slug_taken": lambda: _("That already exists."),
}
SETUP_FIELDS = {
    "name": "name",
    "timezone": "timezone",
    "too_long": "address",
    "characters": "address",
    "phone": "phone",
    "locale": "default_locale",
}


def _regions() -> list[Region]:
    """The regions this district administrator may put a community under (theirs and those below)."""
    db = get_session()
    ids = region_ids_under(db, {r.region_id for r in current_user.staff.region_roles})
    return list(db.scalars(select(Region).where(Region.id.in_(ids)).order_by(Region.id))) if ids else []


def _details(form: CommunityForm) -> CommunityDetails:
    return CommunityDetails(
        name=form.name.data or "",
        address=form.address.data or "",
        phone=form.phone.data or "",
        office_hours=form.office_hours.data or "",
        timezone=(form.timezone.data or "").strip() or "Asia/Shanghai",
        default_locale=form.default_locale.data or "",
    )


def _show_error(form: CommunityForm, exc: SetupError) -> None:
    getattr(form, SETUP_FIELDS.get(exc.reason, "name")).errors = [
        SETUP_MESSAGES.get(exc.reason, SETUP_MESSAGES["name"])()
    ]


def _community_or_404(community_id: int) -> Community:
    community = get_session().get(Community, community_id)
    if community is None or community_id not in allowed_ids(Permission.MANAGE_COMMUNITIES):
        deny(
            subject_type="community", subject_id=community_id, permission=Permission.MANAGE_COMMUNITIES.value
        )
        abort(404)
    return community


@bp.route("/communities", methods=["GET", "POST"])
@require(Permission.MANAGE_COMMUNITIES)
def communities() -> ResponseReturnValue:
    db = get_session()
    regions = _regions()
    form = CommunityForm()
    form.region_id.choices = options((str(r.id), r.name(_locale())) for r in regions)
    status = 200
    if form.validate_on_submit():
        region_id = small_int(form.region_id.data or "", 2**31 - 1)
        region = next((r for r in regions if r.id == region_id), None)
        if region is None:
            form.region_id.errors = [_("Please choose one of the regions shown.")]
            status = 400
        else:
            try:
                community = add_community(db, current_actor(), region, _details(form))
            except SetupError as exc:
                _show_error(form, exc)
                status = 400
            else:
                flash(
                    _("The community is created. Next: its buildings, then invite its administrator."), "info"
                )
                return redirect(url_for("staff.community_detail", community_id=community.id), code=303)
    elif form.is_submitted():
        status = 400
    ids = allowed_ids(Permission.MANAGE_COMMUNITIES)
    listed = (
        list(db.scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.id))) if ids else []
    )
    return render_template("staff/communities.html", form=form, communities=listed), status


def fill_form(form: CommunityForm, community: Community) -> None:
    form.name.data = community.name(_locale())
    form.address.data = community.address or ""
    form.phone.data = community.phone or ""
    form.office_hours.data = community.office_hours or ""
    form.timezone.data = community.timezone
    form.default_locale.data = community.default_locale or ""


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "zh_Hans")


@bp.route("/communities/<int:community_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_COMMUNITIES)
def community_detail(community_id: int) -> ResponseReturnValue:
    community = _community_or_404(community_id)
    db = get_session()
    form = CommunityForm()
    del form.region_id
    status = 200
    if form.is_submitted() and community.archived_at is not None:
        form.validate()
        form.name.errors = [_("This community is archived: make it active again before changing it.")]
        status = 409
    elif form.validate_on_submit():
        try:
            edit_community(db, current_actor(), community, _details(form))
        except SetupError as exc:
            _show_error(form, exc)
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.community_detail", community_id=community.id), code=303)
    elif form.is_submitted():
        status = 400
    else:
        fill_form(form, community)
    return render_template("staff/community.html", form=form, community=community), status


@bp.post("/communities/<int:community_id>/archive")
@require(Permission.MANAGE_COMMUNITIES)
def community_archive(community_id: int) -> ResponseReturnValue:
    community = _community_or_404(community_id)
    archive = community.archived_at is None
    set_archived(get_session(), current_actor(), community, archive)
    flash(
        _("Archived: its records stay readable; nothing new can happen there.")
        if archive
        else _("Active again."),
        "info",
    )
    return redirect(url_for("staff.community_detail", community_id=community.id), code=303)


@bp.route("/settings", methods=["GET", "POST"])
@require(Permission.EDIT_SETTINGS)
def community_settings() -> ResponseReturnValue:
    """The office changes its own details (no file editing): what residents and the kiosk are told."""
    from webapp.staff.settings import chosen_community, render_settings

    community = chosen_community()
    db = get_session()
    form = CommunityForm()
    del form.region_id
    status = 200
    if form.validate_on_submit():
        try:
            edit_community(db, current_actor(), community, _details(form))
        except SetupError as exc:
            _show_error(form, exc)
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.community_settings", community=community.id), code=303)
    elif form.is_submitted():
        status = 400
    else:
        fill_form(form, community)
    return render_settings(community, form, status)
