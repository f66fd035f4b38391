"""Buildings and households (flats) of the user's communities."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp.auth.policy import Permission, deny, require
from webapp.domain.register import compound
from webapp.domain.register.community import communities_by_id
from webapp.domain.register.places import (
    PlaceError,
    add_building,
    add_household,
    building_names,
    edit_household,
    remove_building,
    remove_household,
    rename_building,
)
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.models import Building, Household, Resident
from webapp.shared.context import current_actor
from webapp.shared.options import options
from webapp.staff.blueprint import bp
from webapp.staff.forms import BuildingForm, BuildingNameForm, CompoundForm, HouseholdForm
from webapp.staff.scope import allowed_ids, building_or_404

PLACE_MESSAGES = {
    "number": lambda: _("Please give a whole number."),
    "taken": lambda: _("That already exists."),
    "name": lambda: _("Please write the name in at most 32 letters, without special characters."),
}
# Why a place cannot be removed (a 409: the request was understood, the records stand in the way).
IN_USE_MESSAGES = {
    "has_residents": lambda n: _(
        "This cannot be removed: residents' records give this address (%(count)d, moved out or not). Move"
        " them to their right flat first.",
        count=n,
    ),
    "has_tickets": lambda n: _(
        "This cannot be removed: tickets were made about it and keep it as their address (%(count)d).",
        count=n,
    ),
}


def _chosen_community(raw: str | None) -> int:
    """The community a page works on: the one asked for if this person may, else their first."""
    ids = allowed_ids(Permission.EDIT_PLACES)
    asked = small_int(raw or "", 2**31 - 1)
    return asked if asked in ids else min(ids)


@bp.route("/buildings", methods=["GET", "POST"])
@require(Permission.EDIT_PLACES)
def buildings() -> ResponseReturnValue:
    ids = allowed_ids(Permission.EDIT_PLACES)
    community_id = _chosen_community(request.args.get("community"))
    db = get_session()
    form = BuildingForm()
    status = 200
    if form.validate_on_submit():
        try:
            building = add_building(
                db, current_actor(), community_id, form.number.data or "", form.name.data or ""
            )
        except PlaceError as exc:
            form.number.errors = [PLACE_MESSAGES[exc.reason]()]
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.building_detail", building_id=building.id), code=303)
    elif form.is_submitted():
        status = 400
    rows = db.execute(
        select(Building, func.count(Household.id))
        .outerjoin(Household)
        .where(Building.community_id == community_id)
        .group_by(Building.id)
        .order_by(Building.number)
    ).all()
    communities = communities_by_id(db, set(ids))
    page = render_template(
        "staff/buildings.html", rows=rows, form=form, communities=communities, community_id=community_id
    )
    return page, status


COMPOUND_MESSAGES = {
    "empty": lambda f: _("Please describe the buildings."),
    "too_long": lambda f: _("This is too long."),
    "unknown": lambda f: _("This part is not understood: “%(part)s”. Write it like the example.", part=f),
    "no_buildings": lambda f: _("Please start with the buildings, for example 幢 1–12."),
    "no_units": lambda f: _("Please say how many units each building has, for example 每幢 3 个单元."),
    "no_floors": lambda f: _("Please say how many floors, for example 18 层."),
    "no_per_floor": lambda f: _("Please say how many flats on each floor, for example 每层 4 户."),
    "range": lambda f: _(
        "“%(part)s” is out of range (at most 20 units, 99 floors, 20 flats a floor).", part=f
    ),
    "too_many": lambda f: _("That is too many at once (at most 200 buildings and 20,000 flats)."),
    "not_in_compound": lambda f: _("Building %(part)s is not among the buildings described first.", part=f),
    "twice": lambda f: _("A building is named twice: “%(part)s”.", part=f),
    "taken": lambda f: _("These buildings already exist in this community: %(part)s.", part=f),
}


@bp.route("/buildings/bulk", methods=["GET", "POST"])
@require(Permission.EDIT_PLACES)
def buildings_bulk() -> ResponseReturnValue:
    """Buildings, units and households from one description: a preview first, then all of them at once."""
    db = get_session()
    form = CompoundForm()
    form.community_id.choices = options(
        (str(c.id), c.name(str(get_locale())))
        for c in communities_by_id(db, set(allowed_ids(Permission.EDIT_PLACES)))
    )
    if request.method == "GET":
        form.community_id.data = str(_chosen_community(request.args.get("community")))
    plan = None
    taken: list[int] = []
    status = 200
    if form.validate_on_submit():
        community_id = _chosen_community(form.community_id.data)
        try:
            plan = compound.parse(form.description.data or "")
            taken = compound.taken_numbers(db, community_id, plan)
            if request.form.get("action") == "create":
                made = compound.create(db, current_actor(), community_id, plan)
                flash(
                    _(
                        "Created %(buildings)d buildings with %(households)d flats.",
                        buildings=len(made),
                        households=plan.households,
                    ),
                    "info",
                )
                answer = redirect(url_for("staff.buildings", community=community_id), code=303)
                return answer
        except compound.CompoundError as exc:
            form.description.errors = [COMPOUND_MESSAGES[exc.reason](exc.fragment)]
            status = 400
    elif form.is_submitted():
        status = 400
    return render_template("staff/buildings_bulk.html", form=form, plan=plan, taken=taken), status


def _building_page(
    building: Building,
    form: HouseholdForm | None = None,
    name_form: BuildingNameForm | None = None,
    remove_error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    if name_form is None:
        name_form = BuildingNameForm(formdata=None)
        named = building.names != building_names(building.number)  # the office gave it a name of its own
        name_form.name.data = building.names.get("zh_Hans", "") if named else ""
    flats = get_session().execute(
        select(Household, func.count(Resident.id))
        .outerjoin(Resident, Resident.household_id == Household.id)
        .where(Household.building_id == building.id)
        .group_by(Household.id)
        .order_by(Household.label)
    )
    return render_template(
        "staff/building.html",
        building=building,
        flats=flats.all(),  # (flat, residents registered in it): read here, not while the page renders
        form=form or HouseholdForm(formdata=None),
        name_form=name_form,
        remove_error=remove_error,
    ), status


def _locale() -> str:
    return str(get_locale() or "zh_Hans")


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
            form.room.errors = [PLACE_MESSAGES[exc.reason]()]
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.building_detail", building_id=building.id), code=303)
    elif form.is_submitted():
        status = 400
    return _building_page(building, form=form, status=status)


@bp.post("/buildings/<int:building_id>/name")
@require(Permission.EDIT_PLACES)
def building_rename(building_id: int) -> ResponseReturnValue:
    """The name residents read; left empty, the building is called by its number again."""
    building = building_or_404(building_id, Permission.EDIT_PLACES)
    form = BuildingNameForm()
    if form.validate_on_submit():
        try:
            rename_building(get_session(), current_actor(), building, form.name.data or "")
        except PlaceError as exc:
            form.name.errors = [PLACE_MESSAGES[exc.reason]()]
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.building_detail", building_id=building.id), code=303)
    return _building_page(building, name_form=form, status=400)


@bp.post("/buildings/<int:building_id>/remove")
@require(Permission.EDIT_PLACES)
def building_remove(building_id: int) -> ResponseReturnValue:
    """Remove a building made by mistake, with its flats; refused in words while anything points to it."""
    building = building_or_404(building_id, Permission.EDIT_PLACES)
    community_id, name = building.community_id, building.name(_locale())
    try:
        remove_building(get_session(), current_actor(), building)
    except PlaceError as exc:
        return _building_page(building, remove_error=IN_USE_MESSAGES[exc.reason](exc.count), status=409)
    flash(_("%(building)s was removed, with its flats.", building=name), "info")
    return redirect(url_for("staff.buildings", community=community_id), code=303)


def _household_or_404(household_id: int) -> Household:
    household = get_session().get(Household, household_id)
    if household is None:
        deny(subject_type="household", subject_id=household_id, permission=Permission.EDIT_PLACES.value)
        abort(404)
    building_or_404(household.building_id, Permission.EDIT_PLACES)
    return household


@bp.route("/households/<int:household_id>", methods=["GET", "POST"])
@require(Permission.EDIT_PLACES)
def household_detail(household_id: int) -> ResponseReturnValue:
    """Correct a flat's unit and room; its residents stay in it."""
    household = _household_or_404(household_id)
    form = HouseholdForm()
    status = 200
    if form.validate_on_submit():
        try:
            edit_household(
                get_session(), current_actor(), household, form.unit.data or "", form.room.data or ""
            )
        except PlaceError as exc:
            form.room.errors = [PLACE_MESSAGES[exc.reason]()]
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.building_detail", building_id=household.building_id), code=303)
    elif form.is_submitted():
        status = 400
    else:
        form.unit.data, form.room.data = str(household.unit), household.room
    return _household_page(household, form, None, status)


def _household_page(
    household: Household, form: HouseholdForm, remove_error: str | None, status: int
) -> ResponseReturnValue:
    residents = get_session().scalar(
        select(func.count(Resident.id)).where(Resident.household_id == household.id)
    )
    return render_template(
        "staff/household.html", household=household, form=form, residents=residents, remove_error=remove_error
    ), status


@bp.post("/households/<int:household_id>/remove")
@require(Permission.EDIT_PLACES)
def household_remove(household_id: int) -> ResponseReturnValue:
    household = _household_or_404(household_id)
    building_id, label = household.building_id, household.label
    form = HouseholdForm(formdata=None)
    form.unit.data, form.room.data = str(household.unit), household.room
    try:
        remove_household(get_session(), current_actor(), household)
    except PlaceError as exc:
        return _household_page(household, form, IN_USE_MESSAGES[exc.reason](exc.count), 409)
    flash(_("Flat %(label)s was removed.", label=label), "info")
    return redirect(url_for("staff.building_detail", building_id=building_id), code=303)
