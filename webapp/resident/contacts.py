"""A resident's emergency contacts on the phone, after a fresh PIN: they are other people's personal data."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.principals import the_resident
from webapp.domain.safety.contacts import ContactError, add_contact, contacts_of, remove_contact, shown
from webapp.infra.db import get_session
from webapp.resident.account import resident_required, verified_required
from webapp.resident.blueprint import bp
from webapp.shared.contacts import ContactForm, show_error
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
        try:
            add_contact(
                db,
                vault(),
                current_actor(),
                resident,
                form.name.data or "",
                form.relation.data or "",
                form.phone.data or "",
            )
        except ContactError as exc:
            show_error(form, exc)
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
