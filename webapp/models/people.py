"""People: residents of a community and the staff who serve them, with community-scoped roles."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.community import Community, Household, Region
from webapp.models.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:  # typing only: relationship() resolves names when mappers configure; no import circle
    from webapp.models.privacy import Consent
    from webapp.models.services import ServiceProvider


class Role(enum.StrEnum):
    ADMIN = "admin"
    COMMUNITY_WORKER = "community_worker"
    PROPERTY_MANAGER = "property_manager"
    SERVICE_PROVIDER = "service_provider"
    VOLUNTEER = "volunteer"
    # 网格员: works the tickets of the community like a community worker, manages no one.
    GRID_WORKER = "grid_worker"
    # Held per region (StaffRegionRole), never per community: the street office over its communities.
    DISTRICT_ADMIN = "district_admin"


class Resident(Base):
    """A person living in the community.

    The ID number and mobile number are never stored in clear: a keyed hash (HMAC, key outside the
    database) for look-up, AES-GCM ciphertext for the few roles allowed to see them, and the last four
    characters for masks and search.
    """

    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("household.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(64), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    lives_alone: Mapped[bool] = mapped_column(Boolean, default=False)
    has_disability: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_locale: Mapped[str | None] = mapped_column(String(8))
    id_number_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_last4: Mapped[str | None] = mapped_column(String(4), index=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_last4: Mapped[str | None] = mapped_column(String(4), index=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive, reset on success
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # hard lock until staff unlock
    # Bumped to end every phone session of this resident (card revoked, deletion, unlock).
    auth_version: Mapped[int] = mapped_column(Integer, default=1)
    moved_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()
    household: Mapped[Household | None] = relationship(back_populates="residents")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="resident", cascade="all, delete-orphan", order_by="Consent.id"
    )

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class StaffUser(Base):
    """Someone who signs in to the console; what they may do comes from their StaffRole rows."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    preferred_locale: Mapped[str | None] = mapped_column(String(8))
    # Bumped to end every session of this user at once (disable, password change).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    totp_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)  # the TOTP secret, encrypted
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The person's own e-mail address (invitations, the digest), sealed with the vault like a resident's
    # phone: it may be a private address, and a database dump must not hand out a list of them.
    email_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # Chose the hourly e-mail digest of their queues (their own account preferences).
    wants_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    # A volunteer who is also a resident: hours they lead classes become time-bank claims for this resident.
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("resident.id", ondelete="SET NULL"), unique=True, default=None
    )

    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    region_roles: Mapped[list[StaffRegionRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class StaffRole(Base):
    """One role of one staff user in one community: the unit of every permission check."""

    __tablename__ = "staff_role"
    __table_args__ = (UniqueConstraint("staff_user_id", "community_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    # For a service provider: the provider record whose requests this person answers.
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_provider.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[StaffUser] = relationship(back_populates="roles")
    community: Mapped[Community] = relationship()
    provider: Mapped[ServiceProvider | None] = relationship(lazy="joined")


class InvitationKind(enum.StrEnum):
    INVITE = "invite"  # a new colleague: they choose a username and password
    RESET = "reset"  # an existing account whose password an administrator reset


class StaffInvitation(Base):
    """A one-time link (72 hours, single use) that lets a colleague set their own password.

    Only a hash of the token is stored: the link is shown once, to the administrator who made it.
    """

    __tablename__ = "staff_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[InvitationKind] = mapped_column(enum_column(InvitationKind, 16))
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("community.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role | None] = mapped_column(enum_column(Role))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("service_provider.id", ondelete="CASCADE"))
    display_name: Mapped[str | None] = mapped_column(String(64))
    # RESET: the account whose password is set; INVITE: the account created when the link was used.
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The invitee's own e-mail address, sealed (the link goes there too; the account keeps it once created).
    email_cipher: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)

    community: Mapped[Community | None] = relationship()
    staff_user: Mapped[StaffUser | None] = relationship(foreign_keys=[staff_user_id])
    provider: Mapped[ServiceProvider | None] = relationship()


class StaffRegionRole(Base):
    """A role over a whole region (a street office's district administrator): it reaches every community
    under the region and under its child regions, including communities created later."""

    __tablename__ = "staff_region_role"
    __table_args__ = (UniqueConstraint("staff_user_id", "region_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.DISTRICT_ADMIN)

    user: Mapped[StaffUser] = relationship(back_populates="region_roles")
    region: Mapped[Region] = relationship()
