"""Family accounts (亲情账号): children or relatives who act for a resident, within the scopes chosen."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.people import Resident
from webapp.models.types import UTCDateTime, enum_column, utcnow


class FamilyRelation(enum.StrEnum):
    """How the resident names the family member ("您的女儿 … 替您预约了…")."""

    DAUGHTER = "daughter"
    SON = "son"
    GRANDCHILD = "grandchild"
    SPOUSE = "spouse"
    RELATIVE = "relative"


class FamilyScope(enum.StrEnum):
    """What a link lets the family member do; the resident picks any of them, per link."""

    CHECKINS = "checkins"  # see check-ins and alerts
    TICKETS = "tickets"  # follow and report requests (tickets) on their behalf
    BOOKINGS = "bookings"  # book appointments and classes for them


class FamilyMember(Base):
    """A family member's own identity: their mobile number (sealed by the vault, found by its keyed hash).

    Never a resident account: a daughter signing in sees her parents' pages through her links only, and
    the number is hers, proven by a code sent to it.
    """

    __tablename__ = "family_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_index: Mapped[str] = mapped_column(String(64), unique=True)
    phone_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    phone_last4: Mapped[str] = mapped_column(String(4))
    preferred_locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped to end every session of this family member (their last link ended).
    auth_version: Mapped[int] = mapped_column(Integer, default=1)


class FamilyLink(Base):
    """One resident ↔ one family member, with the scopes the resident chose.

    Made at the kiosk (card + PIN) or the office as a one-time QR: only the token's hash is kept, the QR
    expires in minutes and is claimed once (a conditional UPDATE picks one winner). Ending a link keeps the
    row (the audit trail names it) and stops every access at once.
    """

    __tablename__ = "family_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("family_member.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[FamilyRelation] = mapped_column(enum_column(FamilyRelation, 16))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_channel: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(16))  # "resident", "staff", "family"

    resident: Mapped[Resident] = relationship()
    member: Mapped[FamilyMember | None] = relationship()


class FamilyCode(Base):
    """A sign-in code sent by SMS to a family member's phone: 6 digits, 10 minutes, 5 tries, used once.

    Only its hash is stored; the SMS carries it sealed in the outbox row until the worker sends it.
    """

    __tablename__ = "family_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("family_member.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(Integer, default=0)


class FamilyPasskey(Base):
    """A WebAuthn credential on a family member's own phone: signing in again without waiting for an SMS."""

    __tablename__ = "family_passkey"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("family_member.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[FamilyMember] = relationship()
