"""Consent to record sensitive facts, deletion requests, and the append-only audit trail."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.people import Resident
from webapp.models.types import UTCDateTime, enum_column, utcnow


class ConsentKind(enum.StrEnum):
    """Sensitive facts (PIPL art. 28) that need a separate, recorded consent (art. 29)."""

    AGE = "age"  # date of birth, from which 80+ is derived
    LIVES_ALONE = "lives_alone"
    DISABILITY = "disability"
    HEALTH = "health"


class Consent(Base):
    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(enum_column(ConsentKind))
    version: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    guardian_name: Mapped[str | None] = mapped_column(String(64))  # required for residents under 14
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident: Mapped[Resident] = relationship(back_populates="consents")


class DeletionStatus(enum.StrEnum):
    REQUESTED = "requested"
    DONE = "done"
    CANCELLED = "cancelled"


class DeletionRequest(Base):
    __tablename__ = "deletion_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    status: Mapped[DeletionStatus] = mapped_column(
        enum_column(DeletionStatus, 16), default=DeletionStatus.REQUESTED
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    resident: Mapped[Resident] = relationship()


class AuditEntry(Base):
    """Who did what to whom, when, through which channel; never updated or deleted (MLPS 2.0)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(16))  # staff, resident, system
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    on_behalf_of_id: Mapped[int | None] = mapped_column(Integer)  # the resident a helper acted for
    action: Mapped[str] = mapped_column(String(48), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)
    community_id: Mapped[int | None] = mapped_column(Integer, index=True)
    channel: Mapped[str | None] = mapped_column(String(64))  # "kiosk:3", "ip:203.0.113.7", "cli"
    result: Mapped[str] = mapped_column(String(16), default="ok")  # ok, denied, failed
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(AuditEntry, "before_update")
def _no_update(*_args: object) -> None:
    raise AppendOnlyError("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _no_delete(*_args: object) -> None:
    raise AppendOnlyError("audit entries are append-only")
