"""The services desk: a catalog of service types per community, service requests (tickets), their events."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.community import Community, Household
from webapp.models.people import Resident, StaffUser
from webapp.models.types import Names, UTCDateTime, enum_column, pick_name, utcnow


class Category(enum.StrEnum):
    REPAIR = "repair"
    COMPLAINT = "complaint"  # complaint or suggestion
    ELDERLY_CARE = "elderly_care"
    HEALTH = "health"
    CHILDCARE = "childcare"
    DISABILITY_AID = "disability_aid"
    HELP_BENEFITS = "help_benefits"
    CERTIFICATES = "certificates"
    OTHER = "other"


class Handler(enum.StrEnum):
    """Who answers requests of a service type."""

    PROPERTY = "property"  # the property management company
    OFFICE = "office"  # the community office
    PROVIDER = "provider"  # a named service provider


class ProviderKind(enum.StrEnum):
    """What sort of handling unit a provider is: its kind words its page; a property company's service types
    are the property company's (the property manager role sees them)."""

    PROPERTY = "property"  # 物业公司
    CLINIC = "clinic"  # 卫生服务站
    CANTEEN = "canteen"  # 老年食堂
    REPAIR = "repair"  # 维修队
    CARE = "care"  # 居家养老服务
    OTHER = "other"


class ServiceProvider(Base):
    """A handling unit of one community (property company, clinic, canteen, repair team): its contact, the
    service types routed to it (ServiceType.provider_id) and its staff (StaffRole.provider_id).

    The contact phone is sealed like every other number (AES-GCM, last four shown)."""

    __tablename__ = "service_provider"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[ProviderKind] = mapped_column(enum_column(ProviderKind, 16), default=ProviderKind.OTHER)
    contact_name: Mapped[str | None] = mapped_column(String(64))
    phone_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()


class Eligibility(enum.StrEnum):
    EVERYONE = "everyone"
    AGED_60 = "aged_60"
    DISABILITY = "disability"


class Status(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class ServiceType(Base):
    """One thing residents can ask for, with the questions a request must answer (a declarative list)."""

    __tablename__ = "service_type"
    __table_args__ = (UniqueConstraint("community_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))  # Open311 service_code
    category: Mapped[Category] = mapped_column(enum_column(Category, 24))
    names: Mapped[Names] = mapped_column(JSON)
    help: Mapped[Names] = mapped_column(JSON, default=dict)
    # For appointments: what to bring, shown on the confirmation, the receipt and the phone (per locale).
    bring: Mapped[Names | None] = mapped_column(JSON)
    icon: Mapped[str] = mapped_column(String(24), default="list")
    handler: Mapped[Handler] = mapped_column(enum_column(Handler, 16))
    # Who answers: the provider record this service type is routed to (None: the office, or the property
    # company by handler alone).
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_provider.id", ondelete="SET NULL"), index=True
    )
    deadline_hours: Mapped[int] = mapped_column(Integer, default=72)
    # The deadline when a resident says it is dangerous or urgent (a danger answer); staff set it per service.
    urgent_deadline_hours: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    eligibility: Mapped[Eligibility] = mapped_column(
        enum_column(Eligibility, 16), default=Eligibility.EVERYONE
    )
    channels: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["kiosk", "phone", "staff", "api"])
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    community: Mapped[Community] = relationship()
    provider: Mapped[ServiceProvider | None] = relationship()

    @property
    def provider_name(self) -> str | None:
        """The routed provider's name, for display (routing itself goes by provider_id)."""
        return self.provider.name if self.provider is not None else None

    def name(self, locale: str) -> str:
        return pick_name(self.names, locale)

    def bring_words(self, locale: str) -> str:
        return (self.bring or {}).get(locale) or (self.bring or {}).get("zh_Hans") or ""

    def help_text(self, locale: str) -> str:
        return pick_name(self.help or {}, locale)


class Ticket(Base):
    """A resident's request (a "ticket" to them), with a short number they can read out on the phone."""

    __tablename__ = (
        "service_request"  # tables keep their first names: renaming one is a migration for no reader
    )
    __table_args__ = (
        Index("ix_service_request_status_due", "status", "due_at"),
        # Covers the figures (what was resolved in a period, how fast, how rated) without reading rows.
        Index("ix_service_request_resolved", "resolved_at", "service_type_id", "resolve_minutes", "rating"),
        # The API's "what changed since" (GET /api/v1/tickets?updated_since=…): a range scan in change order.
        Index("ix_service_request_community_updated", "community_id", "updated_at", "id"),
        # The open work of some communities (the queue, the work counts on every console page): in a district
        # the status index alone would read every community's open tickets and filter out nineteen twentieths.
        # It carries urgency, service type and id too, so those walks never read a row (0025).
        Index(
            "ix_service_request_open_work",
            *("community_id", "status", "due_at", "urgent", "service_type_id", "id"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    service_type_id: Mapped[int] = mapped_column(
        ForeignKey("service_type.id", ondelete="RESTRICT"), index=True
    )
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("resident.id", ondelete="SET NULL"), index=True
    )
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id", ondelete="SET NULL"))
    # Where it is (the flat's building, or the building of a common area); kept for queues and figures.
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("building.id", ondelete="SET NULL"), index=True
    )
    place: Mapped[str | None] = mapped_column(String(120))  # a common area, when not the resident's flat
    # A mobile number the resident typed into the request's free text: AES-GCM, and the last four to show.
    contact_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_last4: Mapped[str | None] = mapped_column(String(4))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A danger answer (gas, water pouring, someone stuck): first in every queue, a shorter deadline.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[Status] = mapped_column(enum_column(Status, 16), default=Status.SUBMITTED, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The time of its last event (set with every event: webapp/domain/desk/tickets.py `_event`).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_minutes: Mapped[int | None] = mapped_column(Integer)  # submitted -> resolved, for the figures
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_note: Mapped[str | None] = mapped_column(Text)
    public_token_hash: Mapped[str] = mapped_column(
        String(64), unique=True
    )  # the follow-up QR (no personal data)

    service_type: Mapped[ServiceType] = relationship()
    resident: Mapped[Resident | None] = relationship()
    household: Mapped[Household | None] = relationship()
    assigned_to: Mapped[StaffUser | None] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="request", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )


class TicketEvent(Base):
    """Every change of a request: who, when, from which status to which, a note (for the resident or not)."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(64))
    from_status: Mapped[Status | None] = mapped_column(enum_column(Status, 16))
    to_status: Mapped[Status | None] = mapped_column(enum_column(Status, 16))
    note: Mapped[str | None] = mapped_column(Text)
    # What happened when it is not a status change or a person's note ("assigned", "escalated", "urgent"):
    # a code, worded in the reader's language when shown, so the timeline never shows machine words.
    kind: Mapped[str | None] = mapped_column(String(24))
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # shown to the resident

    request: Mapped[Ticket] = relationship(back_populates="events")
