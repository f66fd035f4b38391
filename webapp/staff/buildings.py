"""Buildings and households (flats) of the user's communities."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp.auth.policy import Permission, require
from webapp.domain.register.places import PlaceError, add_building, add_household
from webapp.infra.db import get_session
from webapp.models import Building, Household
from webapp.shared.context import current_actor
from webapp.staff.blueprint import bp
from webapp.staff.forms import BuildingForm, HouseholdForm
from webapp.staff.scope import allowed_ids, building_or_404

PLACE_MESSAGES = {
    "number": lambda: _("Please give a whole number."),
    "taken": lambda: _("That already exists."),
}


@bp.route("/buildings", methods=["GET", "POST"])
@require(Permission.EDIT_PLACES)
def buildings() -> ResponseReturnValue:
    ids = allowed_ids(Permission.EDIT_PLACES)
    db = get_session()
    form = BuildingForm()
    status = 200
    if form.validate_on_submit():
        try:
            building = add_building(
                db, current_actor(), min(ids), form.number.data or "", form.name.data or ""
            )
        except PlaceError as exc:
            db.rollback()
            form.number.errors = [PLACE_MESSAGES[exc.reason]()]
            status = 400
        else:
            db.commit()
            flash(_("Saved."), "info")
            return redirect(url_for("staff.building_detail", building_id=building.id), code=303)
    elif form.is_submitted():
        status = 400
    rows = db.execute(
        select(Building, func.count(Household.id))
        .outerjoin(Household)
        .where(Building.community_id.in_(ids))
        .group_by(Building.id)
        .order_by(Building.community_id, Building.number)
    ).all()
    return render_template("staff/buildings.html", rows=rows, form=form), status


@bp.route("/buildings/<int:building_id>", methods=["GET", "POST"])
@require(Permission.EDIT_PLACES)
def building_detail(building_id: int) -> ResponseReturnValue:
    building = building_or_404(building_id, Permission.EDIT_PLACES)
    db = get_session()
    form = HouseholdForm()
    status = 200
    if form.validate_on_submit():
        try:
            add_household(db, current_actor(), building, form.unit.data or "", form.room.data or "")
        except PlaceError as exc:
            db.rollback()
            form.room.errors = [PLACE_MESSAGES[exc.reason]()]
            status = 400
        else:
            db.commit()
            flash(_("Saved."), "info")
            return redirect(url_for("staff.building_detail", building_id=building.id), code=303)
    elif form.is_submitted():
        status = 400
    return render_template("staff/building.html", building=building, form=form), status
