"""The events other systems may follow, and `emit`: an event written in the transaction of the change.

Why a flush hook for tickets and bookings (as the outbox has): a ticket is filed from the kiosk, the phone,
the console, the API and Open311, and changed from as many places; writing the event in `before_flush` puts
it in the very transaction of the change (rolled back with it, committed with it) without the desk knowing
webhooks exist. Areas that come later (the help call) call `emit` themselves.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from webapp.domain.desk.public import OFFICIAL_NOTES, OPEN311_STATUS
from webapp.domain.identity.api_keys import Scope
from webapp.infra import clock
from webapp.models import (
    Booking,
    BookingStatus,
    Slot,
    Status,
    Ticket,
    TicketEvent,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WebhookStatus,
)

# Every event a webhook may ask for, and the scope a webhook needs to hear it. Data, not code: an area that
# raises a new event adds a line here and calls `emit`. A help call (the kiosk's "call for help", issue 19
# item 4) is read like a ticket: its payload says a call was raised or closed at a kiosk, never by whom.
EVENTS: dict[str, Scope] = {
    "ticket.created": Scope.READ_TICKETS,
    "ticket.changed": Scope.READ_TICKETS,
    "booking.made": Scope.READ_BOOKINGS,
    "booking.cancelled": Scope.READ_BOOKINGS,
    "help_call.raised": Scope.READ_TICKETS,
    "help_call.closed": Scope.READ_TICKETS,
}
# The scope that lets a webhook see a ticket's building and place (the event's `flat` part).
FLAT_SCOPE = Scope.READ_FLATS


def emit(
    session: Session,
    community_id: int,
    event_type: str,
    payload: dict[str, Any],
    flat: dict[str, Any] | None = None,
) -> str | None:
    """Write one event and a delivery for each live webhook of the community that asked for it; returns the
    event id (None when no webhook wants it: nothing is written). Flushes nothing: the caller's transaction
    commits the event with the change, or rolls both back.

    `payload` must name no person (the API's shapes: numbers, codes, states, times); `flat` holds what only
    a webhook with the tickets:flats scope may see."""
    if event_type not in EVENTS:
        raise ValueError(f"unknown webhook event {event_type!r}: add it to EVENTS")
    with session.no_autoflush:
        hooks = [
            hook
            for hook in session.scalars(
                select(Webhook).where(Webhook.community_id == community_id, Webhook.disabled_at.is_(None))
            )
            if event_type in hook.events
        ]
    if not hooks:
        return None
    now = clock.now()
    row = WebhookEvent(
        event_id=uuid.uuid4().hex,
        community_id=community_id,
        event_type=event_type,
        payload=payload,
        flat=flat,
        created_at=now,
    )
    session.add(row)
    for hook in hooks:
        session.add(
            WebhookDelivery(
                webhook=hook,
                event=row,
                community_id=community_id,
                status=WebhookStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return row.event_id


def ticket_payload(ticket: Ticket) -> tuple[dict[str, Any], dict[str, Any]]:
    """(payload, flat) of a ticket: the JSON API's ticket shape without a resident, answers or contact."""

    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    status = ticket.status if isinstance(ticket.status, Status) else Status(ticket.status)
    payload = {
        "number": ticket.number,
        "service_code": ticket.service_type.code,
        "status": status.value,
        "open311_status": OPEN311_STATUS[status],
        "urgent": bool(ticket.urgent),
        "submitted_at": when(ticket.submitted_at),
        "due_at": when(ticket.due_at),
        "resolved_at": when(ticket.resolved_at),
        "closed_at": when(ticket.closed_at),
    }
    flat = {
        "building": str(ticket.building_id) if ticket.building_id is not None else None,
        "place": ticket.place,
    }
    return payload, flat


def _from_ticket_event(session: Session, ticket_event: TicketEvent) -> None:
    """A ticket filed (its first event: submitted, from nothing) or changed (a new state or a public note
    from the office or an integration); internal events (assignment, the urgent flag) stay inside."""
    ticket = (
        ticket_event.request
        if ticket_event.request is not None
        else session.get(Ticket, ticket_event.request_id)
    )
    if ticket is None or ticket.number == "pending":
        return
    created = ticket_event.from_status is None and ticket_event.to_status == Status.SUBMITTED
    official_note = (
        ticket_event.note if ticket_event.public and ticket_event.actor_type in OFFICIAL_NOTES else None
    )
    if not created and ticket_event.to_status is None and official_note is None:
        return
    payload, flat = ticket_payload(ticket)
    if not created:
        to = ticket_event.to_status
        payload["change"] = {"status": to.value if to is not None else None, "note": official_note}
    emit(session, ticket.community_id, "ticket.created" if created else "ticket.changed", payload, flat)


def _from_booking(session: Session, booking: Booking, event_type: str) -> None:
    ticket = booking.request if booking.request is not None else session.get(Ticket, booking.request_id)
    slot = booking.slot if booking.slot is not None else session.get(Slot, booking.slot_id)
    if ticket is None or slot is None:
        return
    payload = {
        "ticket": ticket.number,
        "service_code": ticket.service_type.code,
        "starts_at": slot.starts_at.isoformat(),
        "minutes": slot.minutes,
        "status": BookingStatus(booking.status or BookingStatus.BOOKED).value,
    }
    emit(session, ticket.community_id, event_type, payload)


def _cancelled_now(booking: Booking) -> bool:
    history = inspect(booking).attrs.status.history
    return bool(history.added) and booking.status == BookingStatus.CANCELLED


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """Write the events of what this flush adds or cancels (see the module docstring for why here)."""
    ticket_events = [obj for obj in session.new if isinstance(obj, TicketEvent)]
    made = [obj for obj in session.new if isinstance(obj, Booking)]
    cancelled = [obj for obj in session.dirty if isinstance(obj, Booking) and _cancelled_now(obj)]
    if not ticket_events and not made and not cancelled:
        return
    with session.no_autoflush:
        for ticket_event in sorted(ticket_events, key=lambda e: e.at or clock.now()):
            _from_ticket_event(session, ticket_event)
        for booking in made:
            _from_booking(session, booking, "booking.made")
        for booking in cancelled:
            _from_booking(session, booking, "booking.cancelled")


def install() -> None:
    """Hook the events into every session (idempotent): the app and the worker call it at start."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


install()
