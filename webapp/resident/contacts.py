"""A resident's emergency contacts and daily check-in on the phone, after a fresh PIN: contacts are other
people's personal data, and the check-in says when the resident is usually up and about."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.principals import the_resident
from webapp.domain.safety.checkin import PlanError, plan_of, set_plan, stop_plan
from webapp.domain.safety.contacts import ContactError, contacts_of, remove_contact, shown
from webapp.domain.safety.roster import clock_text
from webapp.infra.db import get_session
from webapp.resident.account import resident_required, verified_required
from webapp.resident.blueprint import bp
from webapp.shared.contacts import CheckinPlanForm, ContactForm, add_from_form, show_plan_error
from webapp.shared.context import current_actor, vault


@bp.route("/me/contacts", methods=["GET", "POST"])
@resident_required
@verified_required
def my_contacts() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    form = ContactForm()
    status = 200
    if form.validate_on_submit():
        if not add_from_form(form, vault(), current_actor(), resident):
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("resident.my_contacts"), code=303)
    elif form.is_submitted():
        status = 400
    contacts = [shown(c) for c in contacts_of(db, resident.id)]
    return render_template("resident/contacts.html", form=form, contacts=contacts), status


@bp.post("/me/contacts/<int:contact_id>/remove")
@resident_required
@verified_required
def my_contact_remove(contact_id: int) -> ResponseReturnValue:
    resident = the_resident()
    try:
        remove_contact(get_session(), current_actor(), resident, contact_id)
    except ContactError:
        flash(_("That contact is not on your list."), "info")
    else:
        flash(_("Removed."), "info")
    return redirect(url_for("resident.my_contacts"), code=303)


@bp.route("/me/checkin-plan", methods=["GET", "POST"])
@resident_required
@verified_required
def my_checkin_plan() -> ResponseReturnValue:
    """The resident chooses a daily check-in time (and away dates) for themselves, or stops it."""
    resident = the_resident()
    db = get_session()
    form = CheckinPlanForm()
    status = 200
    if request.form.get("stop"):
        stop_plan(db, current_actor(), resident)
        flash(_("The daily check-in is stopped."), "info")
        return redirect(url_for("resident.my_checkin_plan"), code=303)
    if form.validate_on_submit():
        try:
            set_plan(
                db,
                current_actor(),
                resident,
                form.deadline.data or "",
                bool(form.consent.data),
                form.away_from.data,
                form.away_until.data,
            )
        except PlanError as exc:
            show_plan_error(form, exc)
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("resident.my_checkin_plan"), code=303)
    elif form.is_submitted():
        status = 400
    plan = plan_of(db, resident.id)
    if request.method == "GET" and plan is not None:
        form.deadline.data = clock_text(plan.deadline_minute)
        form.away_from.data, form.away_until.data = plan.away_from, plan.away_until
    elif request.method == "GET":
        form.deadline.data = "10:00"
    return render_template(
        "resident/checkin_plan.html", form=form, plan=plan, lives_alone=resident.lives_alone
    ), status
