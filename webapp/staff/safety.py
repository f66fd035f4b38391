"""Safety in the console: residents' emergency contacts and daily check-in (with consent), the duty roster
and the help calls still open, closed with an outcome (issue 18)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from webapp.auth.policy import Permission, deny, require
from webapp.domain.safety import calls, checkin, roster
from webapp.domain.safety.contacts import ContactError, contacts_of, remove_contact, shown
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.models import Community, DutyEntry, HelpCall, StaffRole
from webapp.shared.contacts import (
    CheckinPlanForm,
    OfficeContactForm,
    add_from_form,
    show_plan_error,
)
from webapp.shared.context import current_actor, vault
from webapp.shared.labels import HELP_OUTCOME_WORDS
from webapp.shared.options import options
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids, resident_or_404

DUTY_WORDS = {
    "staff": _l("Community worker"),
    # Translators: 网格员.
    "grid_worker": _l("Grid worker"),
    # Translators: the property company's guard room (门卫/保安室).
    "guard": _l("Property guard"),
    "office": _l("Office phone list (after the roster, at any hour)"),
}
OUTCOME_WORDS = HELP_OUTCOME_WORDS
# Monday first, as date.weekday() counts.
WEEKDAY_WORDS = [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")]


@bp.route("/residents/<int:resident_id>/contacts", methods=["GET", "POST"])
@require(Permission.EDIT_RESIDENTS)
def resident_contacts(resident_id: int) -> ResponseReturnValue:
    """Staff add a resident's emergency contacts at the office, with the resident's consent (audited: many
    residents have no smartphone to do it themselves)."""
    resident = resident_or_404(resident_id, Permission.EDIT_RESIDENTS)
    db = get_session()
    form = OfficeContactForm()
    status = 200
    if form.validate_on_submit() and not form.consent.data:
        form.consent.errors = [_("Please ask the resident first, and tick this box.")]
        status = 400
    elif form.validate_on_submit():
        if not add_from_form(form, vault(), current_actor(), resident):
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.resident_contacts", resident_id=resident.id), code=303)
    elif form.is_submitted():
        status = 400
    contacts = [shown(c) for c in contacts_of(db, resident.id)]
    return render_template(
        "staff/resident_contacts.html", form=form, resident=resident, contacts=contacts
    ), status


@bp.post("/residents/<int:resident_id>/contacts/<int:contact_id>/remove")
@require(Permission.EDIT_RESIDENTS)
def resident_contact_remove(resident_id: int, contact_id: int) -> ResponseReturnValue:
    resident = resident_or_404(resident_id, Permission.EDIT_RESIDENTS)
    if not request.form.get("consent"):
        flash(_("Please ask the resident first, and tick the box."), "info")
        return redirect(url_for("staff.resident_contacts", resident_id=resident.id), code=303)
    try:
        remove_contact(get_session(), current_actor(), resident, contact_id)
    except ContactError:
        flash(_("That contact is not on this resident's list."), "info")
    else:
        flash(_("Removed."), "info")
    return redirect(url_for("staff.resident_contacts", resident_id=resident.id), code=303)


class RosterForm(FlaskForm):
    kind = SelectField(_l("Who"), choices=options(DUTY_WORDS.items()))
    staff_user = SelectField(_l("Their account (if they have one)"), choices=[], validate_choice=False)
    name = StringField(_l("Name shown to the resident"), validators=[Length(max=64)])
    phone = StringField(_l("Mobile number"), validators=[Length(max=20)], render_kw={"inputmode": "tel"})
    weekdays = SelectMultipleField(
        _l("Days"), choices=options((str(i), w) for i, w in enumerate(WEEKDAY_WORDS)), validate_choice=False
    )
    start = StringField(_l("From"), validators=[Length(max=5)], render_kw={"type": "time"})
    end = StringField(_l("Until"), validators=[Length(max=5)], render_kw={"type": "time"})


class AckMinutesForm(FlaskForm):
    # Text, read by small_int: the range is the core's rule (roster.set_ack_minutes), and a typed "abc" is
    # kept in the field beside the message.
    minutes = StringField(
        _l("Minutes to wait for an acknowledgement before alerting the next person"),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


ROSTER_ERRORS = {
    "name": _l("Please write a name (at most 64 characters)."),
    "phone": _l("Please write an 11-digit mobile number, for example 139 0013 9000."),
    "time": _l("Please give the times as hours and minutes, for example 08:00 and 18:00, not the same."),
    "weekdays": _l("Please choose at least one day."),
    "kind": _l("Please choose who this is."),
    "staff": _l("That account does not work in this community."),
    "minutes": _l("Please give a number of minutes between 1 and 30."),
}


def _community(permission: Permission) -> Community:
    ids = allowed_ids(permission)
    asked = small_int(request.values.get("community") or "", 2**31 - 1)
    community = get_session().get(Community, asked if asked in ids else min(ids))
    assert community is not None  # noqa: S101 (an id from the person's roles)
    return community


def _staff_choices(community: Community) -> list[SelectChoice]:
    roles = get_session().query(StaffRole).filter(StaffRole.community_id == community.id).all()
    people = sorted({(r.user.id, r.user.display_name) for r in roles if r.user.is_active}, key=lambda p: p[1])
    return options([("", _("No account (a phone only)"))] + [(str(i), n) for i, n in people])


@bp.route("/roster", methods=["GET", "POST"])
@require(Permission.EDIT_SETTINGS)
def duty_roster() -> ResponseReturnValue:
    """The duty roster: who a help call alerts, in order, by day and time; then the office's phones."""
    community = _community(Permission.EDIT_SETTINGS)
    db = get_session()
    form = RosterForm()
    form.staff_user.choices = _staff_choices(community)
    minutes_form = AckMinutesForm(prefix="ack", formdata=None)
    minutes_form.minutes.data = str(community.help_ack_minutes)
    status = 200
    if request.method == "GET":
        form.weekdays.data = [str(i) for i in range(7)]
        form.start.data, form.end.data = "00:00", "24:00"
    elif form.validate_on_submit():
        staff_id = small_int(form.staff_user.data or "", 2**31 - 1) if form.staff_user.data else None
        try:
            roster.add_entry(
                db,
                vault(),
                current_actor(),
                community,
                form.kind.data or "",
                form.name.data or "",
                form.phone.data or "",
                [d for d in (small_int(x, 6) for x in form.weekdays.data or []) if d is not None],
                form.start.data or "",
                form.end.data or "",
                staff_id or None,
            )
        except roster.RosterError as exc:
            field = {"phone": form.phone, "time": form.start, "weekdays": form.weekdays}.get(
                exc.reason, form.name
            )
            field.errors = [str(ROSTER_ERRORS.get(exc.reason, ROSTER_ERRORS["name"]))]
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.duty_roster", community=community.id), code=303)
    else:
        status = 400
    return _roster_page(community, form, minutes_form, status)


def _roster_page(
    community: Community, form: RosterForm, minutes_form: AckMinutesForm, status: int
) -> ResponseReturnValue:
    return render_template(
        "staff/roster.html",
        community=community,
        entries=roster.roster(get_session(), community.id),
        form=form,
        minutes_form=minutes_form,
        duty_words=DUTY_WORDS,
        weekday_words=WEEKDAY_WORDS,
        clock_text=roster.clock_text,
        masked_phone=roster.masked_phone,
    ), status


@bp.post("/roster/minutes")
@require(Permission.EDIT_SETTINGS)
def duty_roster_minutes() -> ResponseReturnValue:
    """The minutes each person alerted has before the next one is: a wrong number answers 400 with the roster
    page, the typed value kept beside the message."""
    community = _community(Permission.EDIT_SETTINGS)
    minutes_form = AckMinutesForm(prefix="ack")  # the CSRF token is checked before any view
    try:
        roster.set_ack_minutes(
            get_session(), current_actor(), community, small_int(minutes_form.minutes.data, 10**6)
        )
    except roster.RosterError as exc:
        minutes_form.minutes.errors = [str(ROSTER_ERRORS.get(exc.reason, ROSTER_ERRORS["minutes"]))]
    else:
        flash(_("Saved."), "info")
        return redirect(url_for("staff.duty_roster", community=community.id), code=303)
    form = RosterForm(formdata=None)
    form.staff_user.choices = _staff_choices(community)
    form.weekdays.data = [str(i) for i in range(7)]
    form.start.data, form.end.data = "00:00", "24:00"
    return _roster_page(community, form, minutes_form, 400)


@bp.post("/roster/<int:line_id>/remove")
@require(Permission.EDIT_SETTINGS)
def duty_roster_remove(line_id: int) -> ResponseReturnValue:
    db = get_session()
    line = db.get(DutyEntry, line_id)
    if line is None or line.community_id not in allowed_ids(Permission.EDIT_SETTINGS):
        deny(subject_type="duty_entry", subject_id=line_id, permission=Permission.EDIT_SETTINGS.value)
        abort(404)
    community = db.get(Community, line.community_id)
    assert community is not None  # noqa: S101 (the line's own community; lines go with their community)
    roster.remove_entry(db, current_actor(), community, line_id)
    flash(_("Removed."), "info")
    return redirect(url_for("staff.duty_roster", community=community.id), code=303)


@bp.get("/help-calls")
@require(Permission.VIEW_RESIDENTS)
def help_calls() -> ResponseReturnValue:
    """Help calls still open, newest first, each with how far its alert has gone and a form to close it."""
    db = get_session()
    open_ = calls.open_calls(db, set(allowed_ids(Permission.VIEW_RESIDENTS)))
    rows = [(call, calls.notified(db, call)) for call in open_]
    return render_template("staff/help_calls.html", rows=rows, outcome_words=OUTCOME_WORDS)


@bp.post("/help-calls/<int:call_id>/close")
@require(Permission.VIEW_RESIDENTS)
def help_call_close(call_id: int) -> ResponseReturnValue:
    db = get_session()
    call = db.get(HelpCall, call_id)
    if call is None or call.community_id not in allowed_ids(Permission.VIEW_RESIDENTS):
        deny(subject_type="help_call", subject_id=call_id, permission=Permission.VIEW_RESIDENTS.value)
        abort(404)
    try:
        calls.close_call(
            db,
            current_actor(),
            call,
            request.form.get("outcome") or "",
            (request.form.get("note") or "")[:1000],
        )
    except calls.HelpCallError as exc:
        flash(
            _("This call is already closed.")
            if exc.reason == "closed"
            else _("Please choose what happened."),
            "info",
        )
    else:
        flash(_("Closed."), "info")
    return redirect(url_for("staff.help_calls"), code=303)


class OfficeCheckinPlanForm(CheckinPlanForm):
    deadline = StringField(
        _l("Alert if not checked in by"), validators=[Length(max=5)], render_kw={"type": "time"}
    )
    consent = BooleanField(_l("The resident asked for this or agreed to it"))


@bp.route("/residents/<int:resident_id>/checkin-plan", methods=["GET", "POST"])
@require(Permission.EDIT_RESIDENTS)
def resident_checkin_plan(resident_id: int) -> ResponseReturnValue:
    """Staff set a resident's daily check-in at the office (many have no smartphone), with their consent."""
    resident = resident_or_404(resident_id, Permission.EDIT_RESIDENTS)
    db = get_session()
    form = OfficeCheckinPlanForm()
    status = 200
    if request.form.get("stop"):
        checkin.stop_plan(db, current_actor(), resident)
        flash(_("The daily check-in is stopped."), "info")
        return redirect(url_for("staff.resident_checkin_plan", resident_id=resident.id), code=303)
    if form.validate_on_submit():
        try:
            checkin.set_plan(
                db,
                current_actor(),
                resident,
                form.deadline.data or "",
                bool(form.consent.data),
                form.away_from.data,
                form.away_until.data,
            )
        except checkin.PlanError as exc:
            show_plan_error(form, exc)
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.resident_detail", resident_id=resident.id), code=303)
    elif form.is_submitted():
        status = 400
    plan = checkin.plan_of(db, resident.id)
    if request.method == "GET":
        form.deadline.data = roster.clock_text(plan.deadline_minute) if plan else "10:00"
        if plan is not None:
            form.away_from.data, form.away_until.data = plan.away_from, plan.away_until
    return render_template(
        "staff/resident_checkin_plan.html", form=form, resident=resident, plan=plan
    ), status
