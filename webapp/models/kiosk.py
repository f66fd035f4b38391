"""Kiosk visits (the server side of a kiosk session), staff badges, daily check-ins and care actions."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.community import Kiosk
from webapp.models.people import Resident, StaffUser
from webapp.models.types import UTCDateTime, enum_column, utcnow


class KioskVisit(Base):
    """One person's time at a kiosk, from scan to reset. The server ends it on idle even if the page dies."""

    __tablename__ = "kiosk_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosk.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("resident.id", ondelete="SET NULL"), index=True
    )
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pin_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))  # finish, idle, replaced

    kiosk: Mapped[Kiosk] = relationship()
    resident: Mapped[Resident | None] = relationship()
    helper: Mapped[StaffUser | None] = relationship()


class StaffBadge(Base):
    """A staff or volunteer badge with a QR, scanned at a kiosk to start assisted mode."""

    __tablename__ = "staff_badge"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[StaffUser] = relationship()


class CheckIn(Base):
    """ "I'm fine today" (平安打卡): one per resident per local day."""

    __tablename__ = "check_in"
    __table_args__ = (UniqueConstraint("resident_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # the community's local date
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(32))


class CareOutcome(enum.StrEnum):
    CALLED = "called"
    VISITED = "visited"
    ALL_WELL = "all_well"
    ESCALATED = "escalated"


class CareAction(Base):
    """What staff did for a resident on the care list."""

    __tablename__ = "care_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    day: Mapped[date] = mapped_column(Date, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[CareOutcome] = mapped_column(enum_column(CareOutcome, 16))
    note: Mapped[str | None] = mapped_column(Text)

    staff: Mapped[StaffUser | None] = relationship()


class KioskUptime(Base):
    """One row per kiosk per hour in which it was heard from (a heartbeat): the roll-up's uptime is the share
    of the last 7 days' hours with a row. Rows older than 30 days are removed as new ones come."""

    __tablename__ = "kiosk_uptime"

    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosk.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
