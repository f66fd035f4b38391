"""The office's own settings page (no file editing): its details (webapp/staff/communities.py), the days it is
closed, what a new kiosk starts with, and the deadline of each service (its SLA). The rules are the core's
(`register.settings`, `desk.deadlines`); bad input keeps the form and says what is wrong."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.auth.policy import Permission, require
from webapp.domain.desk.deadlines import DeadlineError, set_deadlines
from webapp.domain.register.settings import SCANNER_PLACES, SettingsError, save_office_settings
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.models import Community, ServiceType
from webapp.shared.context import current_actor
from webapp.staff.blueprint import bp
from webapp.staff.forms import CommunityForm
from webapp.staff.scope import allowed_ids

SCANNER_WORDS = {
    "below": lambda: _("Below the screen"),
    "right": lambda: _("To the right of the screen"),
    "left": lambda: _("To the left of the screen"),
}


def settings_message(exc: SettingsError | DeadlineError) -> str:
    if isinstance(exc, DeadlineError):
        if exc.reason == "service_type":
            return _("Please change only the services listed here.")
        return _("Give a number of hours between 1 and 2160.")
    return {
        "date": lambda: _("“%(value)s” is not a date. Please write dates like 2026-10-01.", value=exc.value),
        "too_many": lambda: _("At most 366 days, please."),
        "idle": lambda: _("Please give a number from 30 to 600."),
        "scanner": lambda: _("Please choose one of the places shown."),
    }[exc.reason]()


def chosen_community(permission: Permission = Permission.EDIT_SETTINGS) -> Community:
    ids = allowed_ids(permission)
    asked = small_int(request.values.get("community") or "", 2**31 - 1)
    community = get_session().get(Community, asked if asked in ids else min(ids))
    assert community is not None  # noqa: S101 (an id from the person's roles)
    return community


def render_settings(
    community: Community, form: CommunityForm, status: int = 200, **errors: Any
) -> ResponseReturnValue:
    """The whole page; *errors*: office_error or deadline_error, as (message, field or service type id)."""
    db = get_session()
    ids = allowed_ids(Permission.EDIT_SETTINGS)
    communities = list(db.scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.id)))
    services = list(
        db.scalars(
            select(ServiceType)
            .where(ServiceType.community_id == community.id)
            .order_by(ServiceType.position, ServiceType.id)
        )
    )
    typed = request.form if request.method == "POST" else None
    page = render_template(
        "staff/community_settings.html",
        form=form,
        community=community,
        communities=communities,
        services=services,
        scanner_places=[(p, SCANNER_WORDS[p]()) for p in SCANNER_PLACES],
        typed=typed,
        office_error=errors.get("office_error"),
        deadline_error=errors.get("deadline_error"),
    )
    return page, status


def _filled_form(community: Community) -> CommunityForm:
    from webapp.staff.communities import fill_form

    form = CommunityForm(formdata=None)
    del form.region_id
    fill_form(form, community)
    return form


@bp.post("/settings/office")
@require(Permission.EDIT_SETTINGS)
def settings_office() -> ResponseReturnValue:
    community = chosen_community()
    try:
        save_office_settings(
            get_session(),
            current_actor(),
            community,
            request.form.get("holidays", "")[:8000],
            request.form.get("kiosk_idle", "")[:20],
            request.form.get("kiosk_scanner", "")[:20],
        )
    except SettingsError as exc:
        error = (settings_message(exc), exc.field)
        return render_settings(community, _filled_form(community), 400, office_error=error)
    flash(_("Saved."), "info")
    return redirect(url_for("staff.community_settings", community=community.id, _anchor="office"), code=303)


@bp.post("/settings/deadlines")
@require(Permission.EDIT_SETTINGS)
def settings_deadlines() -> ResponseReturnValue:
    community = chosen_community()
    wanted: dict[int, tuple[str, str]] = {}
    for key in list(request.form)[:500]:
        if key.startswith("hours-"):
            type_id = small_int(key.removeprefix("hours-"), 2**31 - 1)
            raw = request.form.get(key, "")[:20], request.form.get(f"urgent-{key[6:]}", "")[:20]
            wanted[type_id if type_id is not None else -1] = raw
    try:
        set_deadlines(get_session(), current_actor(), community, wanted)
    except DeadlineError as exc:
        error = (settings_message(exc), exc.service_type_id)
        return render_settings(community, _filled_form(community), 400, deadline_error=error)
    flash(_("Saved."), "info")
    return redirect(
        url_for("staff.community_settings", community=community.id, _anchor="deadlines"), code=303
    )
