"""Community life: notices and read receipts, the local services directory, events with sign-ups, and the
time bank (时间银行), a double-entry ledger whose transactions and entries are never updated or deleted."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.community import Community
from webapp.models.people import Resident
from webapp.models.privacy import AppendOnlyError
from webapp.models.types import Names, UTCDateTime, enum_column, pick_name, utcnow


class NoticeGroup(enum.StrEnum):
    """Groups a notice can be aimed at; each rests on a fact kept only with the resident's consent."""

    AGED_80 = "aged_80"
    AGED_60 = "aged_60"
    LIVES_ALONE = "lives_alone"
    DISABILITY = "disability"


class Notice(Base):
    """A notice from the office or property company in three languages, with a plain summary to read aloud.

    Empty `building_ids` means every building and empty `groups` means everyone; both set means people in
    those buildings who are in at least one of the groups.
    """

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    titles: Mapped[Names] = mapped_column(JSON)
    bodies: Mapped[Names] = mapped_column(JSON)
    summaries: Mapped[Names] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    building_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()

    def title(self, locale: str) -> str:
        return pick_name(self.titles, locale)

    def body(self, locale: str) -> str:
        return pick_name(self.bodies, locale)

    def summary(self, locale: str) -> str:
        return pick_name(self.summaries or {}, locale) or self.title(locale)


class NoticeRead(Base):
    """ "I have read this": one per resident and notice, so staff know whose door to knock on."""

    __tablename__ = "notice_read"
    __table_args__ = (UniqueConstraint("notice_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(32))


class PlaceKind(enum.StrEnum):
    SHOP = "shop"
    CLINIC = "clinic"
    PHARMACY = "pharmacy"
    REPAIR = "repair"
    HOUSEKEEPING = "housekeeping"
    CANTEEN = "canteen"  # elderly canteen (长者食堂)
    OTHER = "other"


class LocalService(Base):
    """A shop, clinic, pharmacy or helper near the community, with weekly hours and a phone number.

    `hours` holds seven lists (Monday first) of [opens, closes] as "HH:MM"; a close at or before the opening
    means the day's opening runs past midnight. `closed_dates` ("YYYY-MM-DD") are holidays.
    """

    __tablename__ = "local_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PlaceKind] = mapped_column(enum_column(PlaceKind, 16))
    names: Mapped[Names] = mapped_column(JSON)
    notes: Mapped[Names] = mapped_column(JSON, default=dict)
    address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    hours: Mapped[list[list[list[str]]]] = mapped_column(JSON, default=list)
    closed_dates: Mapped[list[str]] = mapped_column(JSON, default=list)
    serves_elderly: Mapped[bool] = mapped_column(Boolean, default=False)
    serves_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    accepts_hours: Mapped[bool] = mapped_column(Boolean, default=False)  # time-bank hours taken as payment
    # The provider as named on service types (ServiceType.provider_name): its services can be asked for here.
    provider_name: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    community: Mapped[Community] = relationship()

    def name(self, locale: str) -> str:
        return pick_name(self.names, locale)

    def note(self, locale: str) -> str:
        return pick_name(self.notes or {}, locale)


class EventKind(enum.StrEnum):
    ACTIVITY = "activity"
    CLASS = "class"


class Event(Base):
    """A community activity or class with a number of places; more people go on a waiting list."""

    __tablename__ = "community_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, 16), default=EventKind.ACTIVITY)
    titles: Mapped[Names] = mapped_column(JSON)
    descriptions: Mapped[Names] = mapped_column(JSON, default=dict)
    place: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()

    def title(self, locale: str) -> str:
        return pick_name(self.titles, locale)

    def description(self, locale: str) -> str:
        return pick_name(self.descriptions or {}, locale)


class SignupStatus(enum.StrEnum):
    BOOKED = "booked"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class EventSignup(Base):
    """A resident's place at an event, or their turn on its waiting list (earliest `queued_at` first)."""

    __tablename__ = "event_signup"
    __table_args__ = (UniqueConstraint("event_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("community_event.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    status: Mapped[SignupStatus] = mapped_column(enum_column(SignupStatus, 16), index=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(32))
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    resident: Mapped[Resident] = relationship()


class TimeAccountKind(enum.StrEnum):
    PERSON = "person"  # a resident's hours
    COMMUNITY = (
        "community"  # where earned and welcome hours come from (its balance is minus all hours issued)
    )
    SERVICE = "service"  # a local service that takes hours as payment


class TimeAccount(Base):
    """An account in the time bank. Its balance is never stored: it is the sum of its entries."""

    __tablename__ = "time_account"
    __table_args__ = (UniqueConstraint("resident_id"), UniqueConstraint("local_service_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[TimeAccountKind] = mapped_column(enum_column(TimeAccountKind, 16))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id", ondelete="SET NULL"))
    local_service_id: Mapped[int | None] = mapped_column(ForeignKey("local_service.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resident: Mapped[Resident | None] = relationship()
    local_service: Mapped[LocalService | None] = relationship()


class TimeTransaction(Base):
    """One movement of hours (welcome, earn, spend, gift); its entries always add up to zero."""

    __tablename__ = "time_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    memo: Mapped[str] = mapped_column(String(200), default="")

    entries: Mapped[list[TimeEntry]] = relationship(back_populates="transaction", order_by="TimeEntry.id")


class TimeEntry(Base):
    """One side of a transaction: half-hours into (positive) or out of (negative) one account."""

    __tablename__ = "time_entry"
    __table_args__ = (CheckConstraint("half_hours <> 0", name="time_entry_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("time_transaction.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("time_account.id", ondelete="RESTRICT"), index=True)
    half_hours: Mapped[int] = mapped_column(Integer)

    transaction: Mapped[TimeTransaction] = relationship(back_populates="entries")
    account: Mapped[TimeAccount] = relationship()


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class HourClaim(Base):
    """Hours a volunteer gave (a session led, an event helped, help given), waiting for staff to approve."""

    __tablename__ = "hour_claim"
    __table_args__ = (
        CheckConstraint("half_hours > 0", name="hour_claim_positive"),
        UniqueConstraint("resident_id", "training_session_id"),  # one claim per class a volunteer led
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # session_led, event_helped, help_given
    half_hours: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("community_event.id", ondelete="SET NULL"))
    training_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_session.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus, 16), default=ClaimStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("time_transaction.id", ondelete="RESTRICT"))

    resident: Mapped[Resident] = relationship()
    event: Mapped[Event | None] = relationship()


class TimeBankPolicy(Base):
    """A community's time-bank settings: the welcome credit a new volunteer's account opens with."""

    __tablename__ = "time_bank_policy"
    __table_args__ = (UniqueConstraint("community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"))
    welcome_half_hours: Mapped[int] = mapped_column(Integer, default=4)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _append_only(*_args: object) -> None:
    raise AppendOnlyError("time-bank transactions and entries are append-only")


for _model in (TimeTransaction, TimeEntry):
    event.listen(_model, "before_update", _append_only)
    event.listen(_model, "before_delete", _append_only)


class NoticeTemplate(Base):
    """A notice an office writes again and again (停水, 停电, 电梯维保): its title, summary and body in three
    languages, picked when publishing a notice and then adjusted (dates, buildings) like any notice."""

    __tablename__ = "notice_template"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    titles: Mapped[Names] = mapped_column(JSON)
    bodies: Mapped[Names] = mapped_column(JSON)
    summaries: Mapped[Names] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
