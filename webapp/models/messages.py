"""Messages: the notification outbox, residents' channel preferences, staff groups' alerts and job periods."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import Base
from webapp.models.types import UTCDateTime, utcnow


class OutboxStatus:
    """A message's life: waiting (or waiting out quiet hours), claimed by a worker, then delivered, or failed
    for good (the console shows why), or skipped (no such channel is set up for the community)."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"
    SKIPPED = "skipped"


class OutboxMessage(Base):
    """One message to one recipient through one channel, written in the transaction of the change that caused
    it and delivered by the worker.

    It names the recipient (a resident, a staff user, or the community's staff group) and never holds an
    address: the phone number is unsealed by the vault when the message is sent. `key` is unique per message
    and channel and travels with it (Alibaba's OutId, Tencent's SessionContext), so that after a worker died
    between sending and marking, the gateway can be asked whether it accepted the message before it is sent
    again (`webapp.domain.messages.delivery`).
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))  # "resident", "staff", "group"
    recipient_id: Mapped[int | None] = mapped_column(Integer)  # resident or staff id; none for a group
    channel: Mapped[str] = mapped_column(String(16))  # an adapter kind: "sms", "dingtalk", "wecom", …
    kind: Mapped[str] = mapped_column(String(32))  # what it says: "ticket_status", "reminder", "escalated", …
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # first name, ticket number, state: nothing else
    locale: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(80), unique=True)
    alert: Mapped[bool] = mapped_column(Boolean, default=False)  # may break quiet hours
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a claim ends here if its worker died
    claim: Mapped[str | None] = mapped_column(String(32))  # the token of the worker holding it
    last_error: Mapped[str | None] = mapped_column(String(300))  # in words an office can act on
    gateway_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MessagePreference(Base):
    """How a resident wants to hear from Linli: which channels, and the hours when no SMS may wake them
    (minutes after local midnight in the community's time zone). Alerts ignore quiet hours."""

    __tablename__ = "message_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), unique=True)
    channels: Mapped[str] = mapped_column(String(64), default="sms,webpush")  # comma-separated kinds
    quiet_start: Mapped[int] = mapped_column(Integer, default=21 * 60)
    quiet_end: Mapped[int] = mapped_column(Integer, default=8 * 60)
    # Set by staff at the office (with the resident's consent, recorded in the audit trail) or on the phone.
    set_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupAlert(Base):
    """Which staff group channel hears about which queue (a ticket's handler: office, property, provider)."""

    __tablename__ = "group_alert"
    __table_args__ = (UniqueConstraint("community_id", "queue", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    queue: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))


class JobPeriod(Base):
    """A periodic job's claim on one period: the first worker to insert the row runs it, every other worker
    (a district runs several) finds the row taken and does nothing."""

    __tablename__ = "job_period"
    __table_args__ = (UniqueConstraint("name", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(20))  # e.g. "2026-12-05T07:10" for a minute job
    worker: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageWording(Base):
    """An office's own words for one kind of message in one language (issue 16 item 7): used instead of the
    product's default when the worker words the message. Placeholders are checked when it is saved."""

    __tablename__ = "message_wording"
    __table_args__ = (UniqueConstraint("community_id", "kind", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(500))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BackupRun(Base):
    """One scheduled backup (issue 20): when, whether it worked, how big, and why not, in words. Kept in the
    database because every app server's /readyz reports the last one, not only the box that made it."""

    __tablename__ = "backup_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    size: Mapped[int] = mapped_column(Integer, default=0)  # bytes of the archive
    archive: Mapped[str] = mapped_column(String(200), default="")  # its file name, in LINLI_BACKUP_DIR
    detail: Mapped[str] = mapped_column(String(500), default="")
