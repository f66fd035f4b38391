"""Appointments, photos and notices to residents that hang off service requests."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.people import Resident
from webapp.models.services import ServiceType, Ticket
from webapp.models.types import UTCDateTime, enum_column, utcnow


class Slot(Base):
    """A bookable time at a place; `booked` is kept by one conditional UPDATE so it never exceeds capacity."""

    __tablename__ = "slot"
    __table_args__ = (CheckConstraint("booked >= 0 AND booked <= capacity", name="slot_capacity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_type_id: Mapped[int] = mapped_column(
        ForeignKey("service_type.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    minutes: Mapped[int] = mapped_column(Integer, default=30)
    place: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    service_type: Mapped[ServiceType] = relationship()

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    ATTENDED = "attended"


class Booking(Base):
    """A resident's place in a slot; it belongs to the service request that asked for it."""

    __tablename__ = "booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id", ondelete="RESTRICT"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("resident.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[BookingStatus] = mapped_column(
        enum_column(BookingStatus, 16), default=BookingStatus.BOOKED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slot: Mapped[Slot] = relationship()
    request: Mapped[Ticket] = relationship()
    resident: Mapped[Resident | None] = relationship()


class Photo(Base):
    """A resident's photo for a request, re-encoded without metadata (EXIF can hold where they live)."""

    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # what a request's answer refers to
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE"), index=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """Something a resident should see on their next visit (kiosk banner, phone), and maybe by Web Push."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_request.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))  # "status", "note", "reminder"
    detail: Mapped[str | None] = mapped_column(String(32))  # e.g. the new status
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # unused: Web Push is in the outbox now

    request: Mapped[Ticket | None] = relationship()


class PushSubscription(Base):
    """A phone's Web Push endpoint for one resident; deleted when the push service says it is gone."""

    __tablename__ = "push_subscription"
    __table_args__ = (UniqueConstraint("endpoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(500))
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(8), default="zh_Hans")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(Base):
    """A client's key for one submission: a repeat returns the first answer instead of doing it twice."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(64))  # who used it (e.g. "resident:12")
    body_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
