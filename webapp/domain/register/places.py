"""Buildings and households: the places residents live in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.privacy.audit import Actor, record
from webapp.infra.numbers import small_int
from webapp.models import Building, Household


class PlaceError(DomainError):
    code = "place"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "number", "taken"


def add_building(session: Session, actor: Actor, community_id: int, number: str, name: str = "") -> Building:
    n = small_int(number, 9999)
    if n is None:
        raise PlaceError("number")
    if session.scalar(select(Building.id).where(Building.community_id == community_id, Building.number == n)):
        raise PlaceError("taken")
    label = name.strip() or f"{n}幢"
    building = Building(
        community_id=community_id, number=n, names={"zh_Hans": label, "zh_Hant": label, "en": f"Building {n}"}
    )
    session.add(building)
    session.flush()
    record(session, actor, "building.create", "building", building.id, community_id)
    return building


def household_label(building: Building, unit: int, room: str) -> str:
    return f"{building.number}-{unit}-{room}"


def add_household(session: Session, actor: Actor, building: Building, unit: str, room: str) -> Household:
    unit_no = small_int(unit, 999)
    if unit_no is None or not room.strip().isascii() or not room.strip().isalnum():
        raise PlaceError("number")
    label = household_label(building, unit_no, room.strip())
    if session.scalar(
        select(Household.id).where(Household.building_id == building.id, Household.label == label)
    ):
        raise PlaceError("taken")
    household = Household(building_id=building.id, unit=unit_no, room=room.strip(), label=label)
    session.add(household)
    session.flush()
    record(session, actor, "household.create", "building", building.id, building.community_id, label=label)
    return household


def find_or_create_household(
    session: Session, actor: Actor, building: Building, unit: int, room: str
) -> Household:
    label = household_label(building, unit, room)
    found = session.scalar(
        select(Household).where(Household.building_id == building.id, Household.label == label)
    )
    return found or add_household(session, actor, building, str(unit), room)
