"""How far a staff member's roles reach: a region role reaches every community under its region (and under
the regions below it), including communities created later; archived communities are only read."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from webapp.models import Community, Region, StaffUser


def region_ids_under(session: Session, region_ids: Iterable[int]) -> set[int]:
    """These regions and every region below them (district → streets)."""
    found = set(region_ids)
    frontier = set(found)
    while frontier:
        frontier = set(session.scalars(select(Region.id).where(Region.parent_id.in_(frontier)))) - found
        found |= frontier
    return found


def district_community_ids(user: StaffUser) -> set[int]:
    """The communities a district administrator's regions reach (including ones created later)."""
    session = object_session(user)
    if session is None or not user.region_roles:
        return set()
    regions = region_ids_under(session, {r.region_id for r in user.region_roles})
    return set(session.scalars(select(Community.id).where(Community.region_id.in_(regions))))


def archived_community_ids(user: StaffUser) -> set[int]:
    session = object_session(user)
    if session is None:
        return set()
    return set(session.scalars(select(Community.id).where(Community.archived_at.is_not(None))))
