"""Safety: residents' emergency contacts, the community's duty roster and help calls (issue 18)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.community import Kiosk
from webapp.models.people import Resident, StaffUser
from webapp.models.types import UTCDateTime, enum_column, utcnow


class EmergencyContact(Base):
    """Someone to call for a resident (a daughter, a neighbour): the number is sealed like every phone number
    (keyed hash, AES-GCM ciphertext, last four for masks) and unsealed only when a help call is sent."""

    __tablename__ = "emergency_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # who is called first
    name: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(32))  # in the resident's words: 女儿, neighbour
    phone_index: Mapped[str] = mapped_column(String(64))
    phone_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    phone_last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resident: Mapped[Resident] = relationship()


class DutyKind(enum.StrEnum):
    STAFF = "staff"  # a community worker
    GRID_WORKER = "grid_worker"  # 网格员
    GUARD = "guard"  # the property company's guard room: a named phone, no account
    OFFICE = "office"  # the office's phone list: called after the roster, at any hour


class DutyEntry(Base):
    """One line of a community's duty roster: who answers a help call on which weekdays between which local
    times, in roster order. Every line carries a sealed phone number, because a guard has no account and a
    help call must reach a phone, not a console that nobody is watching at night."""

    __tablename__ = "duty_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DutyKind] = mapped_column(enum_column(DutyKind, 16))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(64))
    phone_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    phone_last4: Mapped[str] = mapped_column(String(4))
    weekdays: Mapped[str] = mapped_column(String(7), default="0123456")  # Monday = 0, as date.weekday()
    start_minute: Mapped[int] = mapped_column(Integer, default=0)  # local time, minutes after midnight
    end_minute: Mapped[int] = mapped_column(Integer, default=24 * 60)  # may be before start: past midnight
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff_user: Mapped[StaffUser | None] = relationship()


class HelpOutcome(enum.StrEnum):
    HELPED = "helped"  # someone went and helped
    AMBULANCE = "ambulance"  # 120 was called or came
    FALSE_ALARM = "false_alarm"  # pressed by mistake, all well
    CHECKED_IN = "checked_in"  # a missed check-in's chain stopped: the resident showed a sign of life
    OTHER = "other"


class HelpCall(Base):
    """Someone asked for help at a kiosk or on a phone: where, who (if known), how far the alert has
    escalated, who acknowledged it and when, and how staff closed it.

    `stage` counts the escalation steps already sent (0: the first person on duty); the worker sends the
    next one when nobody acknowledged within the community's minutes. The acknowledge link's token is kept
    as a hash only."""

    __tablename__ = "help_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("resident.id", ondelete="SET NULL"), index=True
    )
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16))  # "kiosk", "attract" (no card), "phone", "checkin"
    place: Mapped[str] = mapped_column(String(120))  # the kiosk's place or the home flat
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    stage: Mapped[int] = mapped_column(Integer, default=0)
    stage_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    acknowledged_by_name: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    outcome: Mapped[HelpOutcome | None] = mapped_column(enum_column(HelpOutcome, 16))
    note: Mapped[str | None] = mapped_column(String(1000))

    resident: Mapped[Resident | None] = relationship()
    kiosk: Mapped[Kiosk | None] = relationship()


class CheckinPlan(Base):
    """A resident living alone chose a daily check-in (平安打卡) by a time of their own, with their consent:
    no sign of life by then (a check-in, a scan at a kiosk, a visit on the phone) starts an alert chain, first
    to them, then to their family and the grid worker. Away dates (a holiday at their daughter's) stop it."""

    __tablename__ = "checkin_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), unique=True)
    deadline_minute: Mapped[int] = mapped_column(Integer)  # local time, minutes after midnight
    away_from: Mapped[date | None] = mapped_column(Date)
    away_until: Mapped[date | None] = mapped_column(Date)  # inclusive
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    set_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resident: Mapped[Resident] = relationship()
