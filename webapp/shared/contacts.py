"""The emergency contact and daily check-in forms the faces show: the resident on the phone or at the kiosk
(after their PIN), staff at the office (with the resident's consent). The rules are the core's:
`domain.safety.contacts` and `domain.safety.checkin`."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import Length, Optional

from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor
from webapp.domain.safety.checkin import PlanError
from webapp.domain.safety.contacts import ContactError, add_contact
from webapp.infra.db import get_session
from webapp.models import Resident


class ContactForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=64)], render_kw={"autocomplete": "off"})
    # Translators: how the contact is related to the resident, e.g. daughter, neighbour.
    relation = StringField(
        _l("Relation to you"), validators=[Length(max=32)], render_kw={"autocomplete": "off"}
    )
    phone = StringField(
        _l("Mobile number"),
        validators=[Length(max=20)],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )


class OfficeContactForm(ContactForm):
    relation = StringField(
        _l("Relation to the resident"), validators=[Length(max=32)], render_kw={"autocomplete": "off"}
    )
    consent = BooleanField(_l("The resident asked for this or agreed to it"))


def show_error(form: ContactForm, exc: ContactError) -> None:
    """The core's refusal, in words beside the field it concerns."""
    if exc.reason == "name":
        form.name.errors = [_("Please write a name (at most 64 characters).")]
    elif exc.reason == "relation":
        form.relation.errors = [
            _("Please say how this person is related, for example daughter or neighbour.")
        ]
    elif exc.reason == "phone":
        form.phone.errors = [_("Please write an 11-digit mobile number, for example 139 0013 9000.")]
    else:
        form.name.errors = [_("There are already five contacts. Remove one first.")]


def add_from_form(form: ContactForm, vault: Vault, actor: Actor, resident: Resident) -> bool:
    """Add the contact the form describes, as the core allows; False with the refusal shown beside its field
    (the same on the phone, at the kiosk and at the office)."""
    try:
        add_contact(
            get_session(),
            vault,
            actor,
            resident,
            form.name.data or "",
            form.relation.data or "",
            form.phone.data or "",
        )
    except ContactError as exc:
        show_error(form, exc)
        return False
    return True


class CheckinPlanForm(FlaskForm):
    """The daily check-in (issue 18): a time, optional away dates, and the resident's consent."""

    deadline = StringField(
        _l("If I have not checked in by"), validators=[Length(max=5)], render_kw={"type": "time"}
    )
    away_from = DateField(_l("Away from"), validators=[Optional()])
    away_until = DateField(_l("Away until"), validators=[Optional()])
    consent = BooleanField(
        _l(
            "I agree: if I have not checked in by then, text me, then my emergency contacts and the grid "
            "worker"
        )
    )


def show_plan_error(form: CheckinPlanForm, exc: PlanError) -> None:
    if exc.reason == "consent":
        form.consent.errors = [_("Please tick this box to agree, or leave the page.")]
    elif exc.reason == "time":
        form.deadline.errors = [_("Please give the time as hours and minutes, for example 10:00.")]
    elif exc.reason == "dates":
        form.away_until.errors = [_("The last day away must not be before the first.")]
    else:
        form.deadline.errors = [_("The daily check-in is for residents who live alone.")]
