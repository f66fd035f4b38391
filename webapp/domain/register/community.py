"""Community look-ups and the aggregate figures the console and faces show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from webapp.infra import clock
from webapp.models import Building, Community, Household, Kiosk, Resident

ELDERLY_AGE = 80


def default_community(session: Session, slug: str | None = None) -> Community | None:
    """The community a face shows when none is chosen: by slug, else the first one created."""
    if slug:
        return session.scalar(select(Community).where(Community.slug == slug))
    return session.scalar(select(Community).order_by(Community.id).limit(1))


def communities_by_id(session: Session, ids: set[int]) -> list[Community]:
    if not ids:
        return []
    return list(
        session.scalars(
            select(Community)
            .options(joinedload(Community.region))  # a list of communities names each one's region
            .where(Community.id.in_(ids))
            .order_by(Community.id)
        )
    )


@dataclass(frozen=True)
class CommunitySummary:
    community: Community
    buildings: int
    households: int
    residents: int
    aged_80_plus: int
    living_alone: int
    kiosks: int


def birth_date_cutoff(today: date, age: int) -> date:
    """Latest birth date of someone who is at least *age* years old on *today*."""
    try:
        return today.replace(year=today.year - age)
    except ValueError:  # 29 February
        return today.replace(year=today.year - age, day=28)


def summarise(session: Session, community: Community, today: date) -> CommunitySummary:
    """Counts only, no names: safe to show every role that may see the community."""
    cid = community.id
    living = select(func.count(Resident.id)).where(
        Resident.community_id == cid, Resident.moved_out_at.is_(None)
    )
    return CommunitySummary(
        community=community,
        buildings=session.scalar(select(func.count(Building.id)).where(Building.community_id == cid)) or 0,
        households=session.scalar(
            select(func.count(Household.id)).join(Building).where(Building.community_id == cid)
        )
        or 0,
        residents=session.scalar(living) or 0,
        aged_80_plus=session.scalar(
            living.where(Resident.birth_date <= birth_date_cutoff(today, ELDERLY_AGE))
        )
        or 0,
        living_alone=session.scalar(living.where(Resident.lives_alone.is_(True))) or 0,
        kiosks=session.scalar(select(func.count(Kiosk.id)).where(Kiosk.community_id == cid)) or 0,
    )


def kiosks_in(session: Session, community_ids: set[int]) -> list[Kiosk]:
    if not community_ids:
        return []
    return list(
        session.scalars(select(Kiosk).where(Kiosk.community_id.in_(community_ids)).order_by(Kiosk.id))
    )


def local_now(community: Community) -> datetime:
    """Now on the community's wall clock: "today" for check-ins, notices and hours is the community's day."""
    return clock.now().astimezone(ZoneInfo(community.timezone))


def local_day_bounds(community: Community, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(community.timezone)
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(date.fromordinal(day.toordinal() + 1), time(), zone)
    return start, end
