"""The notification outbox: a row per message and channel, written in the transaction of the change that
caused it.

Why a flush hook rather than a call in every area: ticket news, booking and class reminders and event news are
already written as `Notification` rows by their own areas, and escalations as a ticket event of kind
"escalated". Turning those rows into outbox rows in `before_flush` puts the message in the very transaction of
the change (rolled back with it, committed with it) without the desk, life and training areas knowing that
messages exist: no area grows an arrow to this one, and no new kind of news can forget to send itself.

A row names its recipient (a resident, a staff user, the community's staff group, or one phone a resident
subscribed to Web Push) and never an address; the
words are chosen when it is sent, in the recipient's language, from `kind` and `params` (a first name and a
ticket number at most: an SMS is read by whoever holds the phone).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from webapp.domain.messages.preferences import channels_for, next_allowed
from webapp.infra import clock
from webapp.models import (
    Community,
    GroupAlert,
    Notification,
    OutboxMessage,
    OutboxStatus,
    PushSubscription,
    Resident,
    ServiceType,
    Ticket,
    TicketEvent,
)

# Alerts may break quiet hours: a care worker must hear at once that a resident missed a check-in, and the
# person on duty that someone at a kiosk needs help (issue 18).
ALERTS = frozenset(
    {"care_alert", "escalated", "urgent", "backup_failed", "help_call", "checkin_reminder", "checkin_missed"}
)
# The resident news worth a message off-screen (each has an approved SMS template); the rest (a place in a
# class came free, an event was cancelled) waits for the kiosk banner and the phone app.
SENT_KINDS = frozenset({"ticket_status", "ticket_note", "reminder", "class_reminder", "event_reminder"})


@dataclass(frozen=True)
class Recipient:
    # "resident", "staff", "group", "duty" (a roster line's phone), "contact" (an emergency contact)
    kind: str
    id: int | None
    locale: str


def first_name(name: str) -> str:
    """The part of a name an SMS may carry: a Western given name, or a Chinese name without its surname
    (王秀英 → 秀英), so that a stranger holding the phone learns no more than a greeting would tell."""
    name = name.strip()
    if " " in name:
        return name.split()[0]
    return name[1:] if len(name) >= 2 and not name.isascii() else name


def add(
    session: Session,
    community_id: int,
    recipient: Recipient,
    channels: list[str],
    kind: str,
    params: dict[str, Any],
    quiet: tuple[int, int] | None = None,
    timezone: str = "Asia/Shanghai",
) -> list[OutboxMessage]:
    """Write one message to one recipient, a row per channel sharing one message id; SMS rows that would
    wake someone in quiet hours wait until they end (alerts never wait)."""
    message_id = uuid.uuid4().hex
    now = clock.now()
    alert = kind in ALERTS
    rows = []
    for channel in channels:
        due = now
        if channel == "sms" and not alert and quiet is not None:
            due = next_allowed(now, quiet, timezone)
        row = OutboxMessage(
            community_id=community_id,
            recipient_kind=recipient.kind,
            recipient_id=recipient.id,
            channel=channel,
            kind=kind,
            params=params,
            locale=recipient.locale,
            key=f"{message_id}:{channel}",
            alert=alert,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=due,
            created_at=now,
        )
        session.add(row)
        rows.append(row)
    return rows


def _locale(resident: Resident, community: Community | None) -> str:
    return resident.preferred_locale or (community.default_locale if community else None) or "zh_Hans"


def _ticket_kind(notification: Notification) -> str:
    if notification.kind == "status":
        return "ticket_status"
    if notification.kind == "note":
        return "ticket_note"
    return notification.kind  # "reminder", "class_reminder", "event_place", …


def _addressee(session: Session, notification: Notification) -> tuple[Resident, dict[str, Any]] | None:
    """The resident a notification is for, if they may still be told (not erased, not moved out), with what
    any message about it may carry: their first name and the ticket's number."""
    resident = session.get(Resident, notification.resident_id)
    if resident is None or resident.erased_at is not None or resident.moved_out_at is not None:
        return None
    params: dict[str, Any] = {"name": first_name(resident.name)}
    if notification.request_id is not None:
        ticket = session.get(Ticket, notification.request_id)
        if ticket is not None:
            params["number"] = ticket.number
    return resident, params


def from_notification(session: Session, notification: Notification) -> list[OutboxMessage]:
    """The off-screen copies of a resident's notification, through the channels they chose."""
    kind = _ticket_kind(notification)
    if kind not in SENT_KINDS:
        return []
    found = _addressee(session, notification)
    if found is None:
        return []
    resident, params = found
    community = session.get(Community, resident.community_id)
    choice = channels_for(session, resident)
    if not choice.channels:
        return []
    if notification.kind == "status" and notification.detail:
        params["status"] = notification.detail
    return add(
        session,
        resident.community_id,
        Recipient("resident", resident.id, _locale(resident, community)),
        choice.channels,
        kind,
        params,
        quiet=choice.quiet,
        timezone=community.timezone if community else "Asia/Shanghai",
    )


PUSH = "webpush"


def push_kind(notification_kind: str) -> str:
    """What a push message may say a piece of news is about (a locked phone shows it): a class, the
    resident's skills, an activity, something a family member did, or otherwise a ticket (by its number)."""
    if notification_kind == "family":  # webapp.domain.family.acts.NEWS_KIND: news with no ticket of its own
        return "push_family"
    if notification_kind.startswith("class_"):
        return "push_class"
    if notification_kind == "certificate":
        return "push_skills"
    if notification_kind.startswith("event_"):
        return "push_event"
    return "push_ticket"


def to_phones(session: Session, notification: Notification) -> list[OutboxMessage]:
    """Web Push of a resident's news: a row per phone the resident subscribed (subscribing was the choice),
    each with its own retries and its own line on the deliveries page; every kind of news, as before the
    outbox (the phone app's own channel). The words name a ticket number at most (`webapp.shared.push`)."""
    phones = list(
        session.scalars(
            select(PushSubscription)
            .where(PushSubscription.resident_id == notification.resident_id)
            .order_by(PushSubscription.id)
        )
    )
    if not phones:
        return []
    found = _addressee(session, notification)
    if found is None:
        return []
    resident, params = found
    message_id, now = uuid.uuid4().hex, clock.now()
    rows = [
        OutboxMessage(
            community_id=resident.community_id,
            recipient_kind="push",
            recipient_id=phone.id,
            channel=PUSH,
            kind=push_kind(notification.kind),
            params=params,
            locale=phone.locale or "zh_Hans",
            key=f"{message_id}:{PUSH}-{phone.id}",
            alert=False,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        for phone in phones
    ]
    session.add_all(rows)
    return rows


def to_group(
    session: Session, community_id: int, queue: str, kind: str, params: dict[str, Any]
) -> list[OutboxMessage]:
    """A message to the staff group channels that chose to hear about this queue (none chosen: none sent)."""
    channels = list(
        session.scalars(
            select(GroupAlert.channel)
            .where(GroupAlert.community_id == community_id, GroupAlert.queue == queue)
            .order_by(GroupAlert.channel)
        )
    )
    if not channels:
        return []
    community = session.get(Community, community_id)
    locale = (community.default_locale if community else None) or "zh_Hans"
    return add(session, community_id, Recipient("group", None, locale), channels, kind, params)


def from_escalation(session: Session, ticket_event: TicketEvent) -> list[OutboxMessage]:
    """An overdue ticket handed to the office: the office's group hears its number, never the resident."""
    ticket = (
        ticket_event.request
        if ticket_event.request is not None
        else session.get(Ticket, ticket_event.request_id)
    )
    if ticket is None:
        return []
    return to_group(session, ticket.community_id, "office", "escalated", {"number": ticket.number})


def from_urgent(session: Session, ticket_event: TicketEvent) -> list[OutboxMessage]:
    """A resident reported danger (gas, water pouring, someone stuck in the lift): the group of the unit that
    answers this service type hears the ticket's number at once, whatever the hour (issue 23)."""
    ticket = (
        ticket_event.request
        if ticket_event.request is not None
        else session.get(Ticket, ticket_event.request_id)
    )
    if ticket is None:
        return []
    service = ticket.service_type or session.get(ServiceType, ticket.service_type_id)
    queue = str(service.handler) if service is not None else "office"
    return to_group(session, ticket.community_id, queue, "urgent", {"number": ticket.number})


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """Write the outbox rows of what this flush adds (see the module docstring for why here)."""
    news = [obj for obj in session.new if isinstance(obj, Notification)]
    events = [
        obj for obj in session.new if isinstance(obj, TicketEvent) and obj.kind in ("escalated", "urgent")
    ]
    if not news and not events:
        return
    with session.no_autoflush:
        for notification in news:
            from_notification(session, notification)
            to_phones(session, notification)
        for ticket_event in events:
            if ticket_event.kind == "escalated":
                from_escalation(session, ticket_event)
            else:
                from_urgent(session, ticket_event)


def install() -> None:
    """Hook the outbox into every session (idempotent): the app and the worker call it at start."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


install()


def due(session: Session, limit: int = 500, now: datetime | None = None) -> list[int]:
    """Messages a worker may claim now: pending and due, or claimed by a worker whose lease ran out."""
    now = now or clock.now()
    pending = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now
    )
    stale = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until <= now
    )
    ids = list(session.scalars(pending.order_by(OutboxMessage.id).limit(limit)))
    ids += list(session.scalars(stale.order_by(OutboxMessage.id).limit(limit)))
    return ids


def next_lease_end(session: Session) -> datetime | None:
    """When the earliest claim still running runs out (a sweep after a dead worker waits until then)."""
    return session.scalar(
        select(OutboxMessage.lease_until)
        .where(OutboxMessage.status == OutboxStatus.SENDING)
        .order_by(OutboxMessage.lease_until)
        .limit(1)
    )
