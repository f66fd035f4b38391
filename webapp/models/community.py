"""Places: the region path, communities, their buildings and households, and lobby kiosks."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.types import Names, UTCDateTime, enum_column, pick_name, utcnow

if TYPE_CHECKING:  # typing only: relationship() resolves names when mappers configure; no import circle
    from webapp.models.people import Resident


class RegionLevel(enum.StrEnum):
    DISTRICT = "district"
    STREET = "street"


class Region(Base):
    """A district (区) or street (街道); communities hang under a street."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"))
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel, 16))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    names: Mapped[Names] = mapped_column(JSON)

    parent: Mapped[Region | None] = relationship(remote_side=[id])

    def name(self, locale: str) -> str:
        return pick_name(self.names, locale)


class Community(Base):
    """A residential community (社区), the unit that staff roles and kiosks belong to."""

    __tablename__ = "community"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    names: Mapped[Names] = mapped_column(JSON)
    phone: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Residents living alone who have not checked in or used Linli by this local time appear on the care list.
    care_check_time: Mapped[str] = mapped_column(String(5), default="10:00")
    # Minutes a help call waits for an acknowledgement before the next person on the roster is alerted.
    help_ack_minutes: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str | None] = mapped_column(String(200))
    office_hours: Mapped[str | None] = mapped_column(
        String(200)
    )  # as the office words them: 周一至周五 9:00–17:00
    # The language new kiosks start in (None: the instance's default).
    default_locale: Mapped[str | None] = mapped_column(String(8))
    # Days the office is closed (ISO dates, sorted), as the office sets them on its settings page.
    holidays: Mapped[list[str] | None] = mapped_column(JSON)
    # What a new kiosk starts with (None: the built-in 60 seconds, scanner below the screen).
    kiosk_idle_seconds: Mapped[int | None] = mapped_column(Integer)
    kiosk_scanner_place: Mapped[str | None] = mapped_column(String(16))
    # Archived: every record stays readable; staff can no longer change anything in it.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()
    buildings: Mapped[list[Building]] = relationship(
        back_populates="community", order_by="Building.number", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        return pick_name(self.names, locale)


class Building(Base):
    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    names: Mapped[Names] = mapped_column(JSON)

    community: Mapped[Community] = relationship(back_populates="buildings")
    households: Mapped[list[Household]] = relationship(
        back_populates="building", order_by="Household.label", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        return pick_name(self.names, locale)


class Household(Base):
    """A flat: building, unit (单元) and room, e.g. 2-1-501."""

    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("building_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"), index=True)
    unit: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(32))

    building: Mapped[Building] = relationship(back_populates="households")
    residents: Mapped[list[Resident]] = relationship(back_populates="household")


class Kiosk(Base):
    """A touch kiosk in a building lobby; pairing and heartbeat arrive with the kiosk issue."""

    __tablename__ = "kiosk"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    place: Mapped[str] = mapped_column(String(120))
    idle_timeout_seconds: Mapped[int] = mapped_column(Integer, default=60)
    has_printer: Mapped[bool] = mapped_column(Boolean, default=False)
    has_id_reader: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language the screen starts in and returns to after every visit (None: the instance's default).
    default_locale: Mapped[str | None] = mapped_column(String(8))
    # Where the card scanner sits, so the attract screen can point at it (kiosk.SCANNER_PLACES).
    scanner_place: Mapped[str] = mapped_column(String(16), default="below", server_default="below")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Pairing: a one-time code (hashed, short-lived) makes a browser this kiosk by giving it a device token.
    pairing_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pairing_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    device_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    paired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_version: Mapped[str | None] = mapped_column(String(32))
    device_status: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    community: Mapped[Community] = relationship()
