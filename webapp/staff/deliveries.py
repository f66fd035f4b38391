"""Deliveries: what the outbox sent to whom (masked) through which channel, its status, retries and failures
in words, a "send again" button, counts per channel per day, and which staff group hears about which queue."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField

from webapp.auth.policy import Permission, deny, may_see_recipients, require
from webapp.auth.principals import the_staff
from webapp.domain.identity.numbers import mask_last4
from webapp.domain.messages import delivery, preferences
from webapp.domain.privacy.audit import record
from webapp.infra.db import get_session, writes
from webapp.infra.numbers import small_int
from webapp.models import Community, DutyEntry, EmergencyContact, OutboxMessage, Resident
from webapp.shared.context import current_actor
from webapp.shared.message_prefs import MessagePrefsForm, chosen_channels, fill, show_error
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids, resident_or_404

STATUS_WORDS = {
    "pending": _l("Waiting"),
    "sending": _l("Being sent"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
    "skipped": _l("Not sent"),
}
CHANNEL_WORDS = {
    "sms": _l("SMS"),
    # Translators: DingTalk (钉钉) or 浙政钉 group robot.
    "dingtalk": _l("DingTalk group"),
    # Translators: WeCom (企业微信) group robot.
    "wecom": _l("WeCom group"),
    "email": _l("E-mail"),
    "webpush": _l("Web Push"),
}
QUEUE_WORDS = {
    "office": _l("Community office (escalations, care alerts)"),
    "property": _l("Property management"),
    "provider": _l("Service providers"),
}
KIND_WORDS = {
    "ticket_status": _l("Ticket status"),
    "ticket_note": _l("Ticket message"),
    "reminder": _l("Appointment reminder"),
    "class_reminder": _l("Class reminder"),
    "event_reminder": _l("Activity reminder"),
    "escalated": _l("Escalation"),
    "care_alert": _l("Missed check-ins"),
    "urgent": _l("Danger reported"),
    "invitation": _l("Staff invitation"),
    "digest": _l("Staff digest"),
    "backup_failed": _l("Backup failed"),
    "family_code": _l("Family sign-in code"),
    # Translators: a push message to a resident's phone, saying that a ticket has news.
    "push_ticket": _l("Ticket news"),
    "push_class": _l("Class news"),
    "push_skills": _l("Skills news"),
    "push_event": _l("Activity news"),
    "push_family": _l("Family news"),
}


def _community() -> Community:
    ids = allowed_ids(Permission.EDIT_SETTINGS)
    asked = small_int(request.values.get("community") or "", 2**31 - 1)
    community = get_session().get(Community, asked if asked in ids else min(ids))
    assert community is not None  # noqa: S101 (an id from the person's roles)
    return community


def _to_whom(row: OutboxMessage, residents: dict[int, Resident], with_names: bool) -> str:
    label = delivery.recipient_label(row, residents.get(row.recipient_id or 0), with_names)
    if row.recipient_kind == "group":
        return str(CHANNEL_WORDS.get(row.channel, row.channel))
    if row.recipient_kind == "invitation":
        return _("Invited colleague")
    if row.recipient_kind == "family":
        return _("A family member")  # their number is theirs alone: not shown to the office
    if label == "*":
        return {
            "resident": _("A resident"),
            "duty": _("The person on duty"),
            "contact": _("An emergency contact"),
            "push": _("A resident's phone"),
        }.get(row.recipient_kind, _("A staff member"))
    if row.recipient_kind == "duty":  # a help call's roster line (issue 18)
        line = get_session().get(DutyEntry, row.recipient_id or 0)
        return f"{line.name} · {mask_last4(line.phone_last4, 11)}" if line is not None else "—"
    if row.recipient_kind == "contact":  # a resident's emergency contact (issue 18)
        contact = get_session().get(EmergencyContact, row.recipient_id or 0)
        if contact is None:
            return "—"
        return f"{contact.relation} {contact.name} · {mask_last4(contact.phone_last4, 11)}"
    if row.recipient_kind == "staff":
        return _("Staff member #%(id)s", id=row.recipient_id)
    return label


@bp.get("/deliveries")
@writes
@require(Permission.EDIT_SETTINGS)
def deliveries() -> ResponseReturnValue:
    """Messages with residents' first names and masked numbers for the office (a view of personal data,
    audited); without names for those who may not read the register (`policy.may_see_recipients`)."""
    db = get_session()
    community = _community()
    rows = delivery.recent(db, community.id)
    with_names = may_see_recipients(the_staff(), community.id)
    ids = {r.recipient_id for r in rows if r.recipient_kind == "resident" and r.recipient_id}
    residents = {}
    if ids and with_names:
        residents = {r.id: r for r in db.scalars(select(Resident).where(Resident.id.in_(ids)))}
        record(db, current_actor(), "messages.deliveries_viewed", "community", community.id, community.id)
    communities = list(
        db.scalars(
            select(Community)
            .where(Community.id.in_(allowed_ids(Permission.EDIT_SETTINGS)))
            .order_by(Community.id)
        )
    )
    return render_template(
        "staff/deliveries.html",
        community=community,
        communities=communities,
        rows=[(row, _to_whom(row, residents, with_names)) for row in rows],
        counts=delivery.counts_per_day(db, community.id, community.timezone),
        alerts=preferences.group_alerts(db, community.id),
        queues=preferences.QUEUES,
        group_channels=preferences.GROUP_CHANNELS,
        status_words=STATUS_WORDS,
        channel_words=CHANNEL_WORDS,
        queue_words=QUEUE_WORDS,
        kind_words=KIND_WORDS,
    )


@bp.post("/deliveries/<int:message_id>/resend")
@require(Permission.EDIT_SETTINGS)
def delivery_resend(message_id: int) -> ResponseReturnValue:
    db = get_session()
    row = db.get(OutboxMessage, message_id)
    if row is None or row.community_id not in allowed_ids(Permission.EDIT_SETTINGS):
        deny(subject_type="outbox_message", subject_id=message_id, permission=Permission.EDIT_SETTINGS.value)
        abort(404)
    delivery.resend(db, current_actor(), row)
    flash(_("The message will be sent again."), "info")
    return redirect(url_for("staff.deliveries", community=row.community_id), code=303)


@bp.post("/deliveries/alerts")
@require(Permission.EDIT_SETTINGS)
def delivery_alerts() -> ResponseReturnValue:
    community = _community()
    chosen = set()
    for value in request.form.getlist("alert"):
        queue, _sep, channel = value.partition(":")
        if queue not in preferences.QUEUES or channel not in preferences.GROUP_CHANNELS:
            flash(_("Please choose among the groups shown."), "info")
            return redirect(url_for("staff.deliveries", community=community.id), code=303)
        chosen.add((queue, channel))
    preferences.set_group_alerts(get_session(), current_actor(), community.id, chosen)
    flash(_("Saved."), "info")
    return redirect(url_for("staff.deliveries", community=community.id, _anchor="alerts"), code=303)


class OfficeMessagePrefsForm(MessagePrefsForm):
    consent = BooleanField(_l("The resident asked for this or agreed to it"))


@bp.route("/residents/<int:resident_id>/messages", methods=["GET", "POST"])
@require(Permission.EDIT_RESIDENTS)
def resident_messages(resident_id: int) -> ResponseReturnValue:
    """Staff set a resident's channels and quiet hours at the office, with the resident's consent (audited:
    the resident may not have a smartphone to do it themselves)."""
    resident = resident_or_404(resident_id, Permission.EDIT_RESIDENTS)
    db = get_session()
    form = OfficeMessagePrefsForm()
    status = 200
    if form.validate_on_submit() and not form.consent.data:
        form.consent.errors = [_("Please ask the resident first, and tick this box.")]
        status = 400
    elif form.validate_on_submit():
        try:
            preferences.choose(
                db,
                current_actor(),
                resident,
                chosen_channels(form),
                form.quiet_start.data or "",
                form.quiet_end.data or "",
            )
        except preferences.PreferenceError as exc:
            show_error(form, exc)
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.resident_detail", resident_id=resident.id), code=303)
    elif form.is_submitted():
        status = 400
    else:
        fill(form, db, resident)
    return render_template("staff/resident_messages.html", form=form, resident=resident), status
