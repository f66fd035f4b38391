"""Appointments: bookable slots with a capacity, never overbooked, however many people press at once.

A booking belongs to the service request that asked for it (the ticket number is the booking reference, the
ticket QR checks the resident in). The seat is taken by one conditional UPDATE (`booked < capacity`), which
PostgreSQL re-checks after waiting for a concurrent writer and SQLite serialises, so the count can never pass
the capacity; a CHECK constraint is the last line of defence.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.domain import DomainError, ensure_open
from webapp.infra import clock
from webapp.infra.numbers import MAX_ID, small_int
from webapp.models import (
    Booking,
    BookingStatus,
    Notification,
    ServiceType,
    Slot,
    Ticket,
)

REMIND_BEFORE = timedelta(hours=24)
CHECK_IN_EARLY = timedelta(hours=2)  # how long before a slot the venue may check someone in
CHECK_IN_LATE = timedelta(hours=2)


class BookingError(DomainError):
    code = "booking"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "full", "past", "no_slot", "no_booking", "not_today"


def open_slots(session: Session, service: ServiceType, limit: int = 24) -> list[Slot]:
    """Future slots of a service with a free place, soonest first."""
    return list(
        session.scalars(
            select(Slot)
            .where(
                Slot.service_type_id == service.id,
                Slot.starts_at > clock.now(),
                Slot.booked < Slot.capacity,
            )
            .order_by(Slot.starts_at, Slot.id)
            .limit(limit)
        )
    )


def coming_slot(session: Session, resident_id: int, service_type_id: int) -> Slot | None:
    """The resident's next booked time of this service, if they have one."""
    return session.scalar(
        select(Slot)
        .join(Booking, Booking.slot_id == Slot.id)
        .where(
            Booking.resident_id == resident_id,
            Booking.status == BookingStatus.BOOKED,
            Slot.service_type_id == service_type_id,
            Slot.starts_at > clock.now(),
        )
        .order_by(Slot.starts_at)
        .limit(1)
    )


def slot_number(answer: object) -> int:
    """The slot a request's answer names, or BookingError("no_slot"): an answer comes from a form, a kiosk or
    another system (a JSON number), and only ASCII digits within the database's range name a slot: "²" is a
    digit to `str.isdigit` but no number to `int`, and 99999999999999999999 fits no id column."""
    number = small_int(str(answer))
    if number is None:
        raise BookingError("no_slot")
    return number


def _take_seat(session: Session, service_type_id: int, slot_id: int) -> Slot:
    if not 0 < slot_id <= MAX_ID:  # no slot has it, and the database would refuse to compare it
        raise BookingError("no_slot")
    result = session.execute(
        update(Slot)
        .where(
            Slot.id == slot_id,
            Slot.service_type_id == service_type_id,
            Slot.starts_at > clock.now(),
            Slot.booked < Slot.capacity,
        )
        .values(booked=Slot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    slot = session.get(Slot, slot_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if slot is None or slot.service_type_id != service_type_id:
            raise BookingError("no_slot")
        if slot.starts_at <= clock.now():
            raise BookingError("past")
        raise BookingError("full")
    if slot is None:  # taken a moment ago, so it exists; said for the type checker
        raise BookingError("no_slot")
    session.refresh(slot)
    return slot


def _release_seat(session: Session, slot_id: int) -> None:
    session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked > 0)
        .values(booked=Slot.booked - 1)
        .execution_options(synchronize_session=False)
    )


def active_booking(session: Session, request: Ticket) -> Booking | None:
    return session.scalar(
        select(Booking).where(Booking.request_id == request.id, Booking.status != BookingStatus.CANCELLED)
    )


def book(session: Session, request: Ticket, slot_id: int) -> Booking:
    """Take a seat in *slot_id* for this request (its resident), or raise BookingError."""
    ensure_open(request.service_type.community)
    slot = _take_seat(session, request.service_type_id, slot_id)
    booking = Booking(slot=slot, request=request, resident_id=request.resident_id, created_at=clock.now())
    session.add(booking)
    session.flush()
    return booking


def change(session: Session, request: Ticket, slot_id: int) -> Booking:
    """Move a booking to another slot: the new seat is taken before the old one is given back."""
    current = active_booking(session, request)
    if current is None:
        raise BookingError("no_booking")
    if current.slot_id == slot_id:
        return current
    booking = book(session, request, slot_id)
    release(session, current)
    return booking


def release(session: Session, booking: Booking) -> None:
    if booking.status == BookingStatus.CANCELLED:
        return
    booking.status = BookingStatus.CANCELLED
    _release_seat(session, booking.slot_id)
    session.flush()


def check_in(session: Session, booking: Booking, now: datetime | None = None) -> None:
    """Mark the resident as arrived, on the day and near the time of their slot only."""
    now = now or clock.now()
    ensure_open(booking.request.service_type.community)
    if booking.status == BookingStatus.CANCELLED:
        raise BookingError("no_booking")
    starts = booking.slot.starts_at
    if not (starts - CHECK_IN_EARLY <= now <= starts + CHECK_IN_LATE):
        raise BookingError("not_today")
    if booking.checked_in_at is None:
        booking.status = BookingStatus.ATTENDED
        booking.checked_in_at = now
    session.flush()


def bookings_to_check_in(session: Session, resident_id: int, service_type_ids: list[int]) -> list[Booking]:
    now = clock.now()
    return list(
        session.scalars(
            select(Booking)
            .join(Slot)
            .where(
                Booking.resident_id == resident_id,
                Booking.status == BookingStatus.BOOKED,
                Slot.service_type_id.in_(service_type_ids),
                Slot.starts_at >= now - CHECK_IN_LATE,
                Slot.starts_at <= now + CHECK_IN_EARLY,
            )
            .order_by(Slot.starts_at)
        )
    )


def send_reminders(session: Session) -> int:
    """Remind everyone whose appointment is within a day, once; running it again sends nothing new."""
    now = clock.now()
    due = session.scalars(
        select(Booking)
        .join(Slot)
        .where(
            Booking.status == BookingStatus.BOOKED,
            Booking.reminded_at.is_(None),
            Booking.resident_id.is_not(None),
            Slot.starts_at > now,
            Slot.starts_at <= now + REMIND_BEFORE,
        )
    ).all()
    for booking in due:
        booking.reminded_at = now
        assert booking.resident_id is not None  # noqa: S101 (filtered above)
        session.add(
            Notification(
                resident_id=booking.resident_id,
                request_id=booking.request_id,
                kind="reminder",
                detail=None,
                created_at=now,
            )
        )
    session.flush()
    return len(due)
