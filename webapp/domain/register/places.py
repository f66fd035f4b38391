"""Buildings and households: the places residents live in.

Made one by one here or many at once (`compound`), then edited one by one: a building renamed, a flat's unit
and room corrected. A place is removed only while nothing points to it: no resident's record (one who moved
out keeps their address) and no ticket (a ticket keeps where it was). Every change is audited.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from webapp.domain import DomainError, ensure_open, has_control_characters
from webapp.domain.privacy.audit import Actor, record
from webapp.infra.numbers import small_int
from webapp.models import Building, Household, Resident, Ticket

MAX_NAME = 32


class PlaceError(DomainError):
    code = "place"

    def __init__(self, reason: str, count: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason  # "number", "taken", "name", "has_residents", "has_tickets"
        self.count = count  # how many residents or tickets stand in the way


def building_names(number: int, name: str = "") -> dict[str, str]:
    """A building's name in each language: the office's own name for it in Chinese (else 3幢), and its
    number in English (Building 3)."""
    label = " ".join(name.split())
    if len(label) > MAX_NAME or has_control_characters(label):
        raise PlaceError("name")
    label = label or f"{number}幢"
    return {"zh_Hans": label, "zh_Hant": label, "en": f"Building {number}"}


def add_building(session: Session, actor: Actor, community_id: int, number: str, name: str = "") -> Building:
    n = small_int(number, 9999)
    if n is None:
        raise PlaceError("number")
    if session.scalar(select(Building.id).where(Building.community_id == community_id, Building.number == n)):
        raise PlaceError("taken")
    building = Building(community_id=community_id, number=n, names=building_names(n, name))
    session.add(building)
    session.flush()
    record(session, actor, "building.create", "building", building.id, community_id)
    return building


def household_label(building: Building, unit: int, room: str) -> str:
    return f"{building.number}-{unit}-{room}"


def _flat(
    session: Session, building: Building, unit: str, room: str, keep: int | None = None
) -> tuple[int, str]:
    """A unit number and room as typed, checked: (unit, room), or PlaceError ("number", "taken")."""
    unit_no = small_int(unit, 999)
    if unit_no is None or not room.strip().isascii() or not room.strip().isalnum():
        raise PlaceError("number")
    label = household_label(building, unit_no, room.strip())
    if session.scalar(
        select(Household.id).where(
            Household.building_id == building.id, Household.label == label, Household.id != (keep or 0)
        )
    ):
        raise PlaceError("taken")
    return unit_no, room.strip()


def add_household(session: Session, actor: Actor, building: Building, unit: str, room: str) -> Household:
    unit_no, room = _flat(session, building, unit, room)
    label = household_label(building, unit_no, room)
    household = Household(building_id=building.id, unit=unit_no, room=room, label=label)
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


def rename_building(session: Session, actor: Actor, building: Building, name: str) -> None:
    """The name residents read (empty: back to its number); the number, and so every flat's label, stays."""
    ensure_open(building.community)
    names = building_names(building.number, name)
    if names == building.names:
        return
    building.names = names
    session.flush()
    record(session, actor, "building.rename", "building", building.id, building.community_id)


def _in_use(session: Session, households: list[int], building_id: int | None = None) -> None:
    """Refuse while a resident's record or a ticket points to these flats (or to the building)."""
    residents = session.scalar(select(func.count(Resident.id)).where(Resident.household_id.in_(households)))
    if residents:
        raise PlaceError("has_residents", residents)
    names_it: list[ColumnElement[bool]] = [Ticket.household_id.in_(households)]
    if building_id is not None:
        names_it.append(Ticket.building_id == building_id)
    tickets = session.scalar(select(func.count(Ticket.id)).where(or_(*names_it)))
    if tickets:
        raise PlaceError("has_tickets", tickets)


def remove_building(session: Session, actor: Actor, building: Building) -> None:
    """Remove a building made by mistake, with its flats, if nobody lives there and no ticket names it."""
    ensure_open(building.community)
    flats = list(session.scalars(select(Household.id).where(Household.building_id == building.id)))
    _in_use(session, flats, building.id)
    community_id, number, building_id = building.community_id, building.number, building.id
    building.community.buildings.remove(building)  # with its flats (none of them in use)
    session.flush()
    record(
        session,
        actor,
        "building.remove",
        "building",
        building_id,
        community_id,
        number=number,
        flats=len(flats),
    )


def edit_household(session: Session, actor: Actor, household: Household, unit: str, room: str) -> None:
    """Correct a flat's unit and room (its residents stay in it, under the new label)."""
    building = household.building
    ensure_open(building.community)
    unit_no, room = _flat(session, building, unit, room, keep=household.id)
    before = household.label
    household.unit, household.room = unit_no, room
    household.label = household_label(building, unit_no, room)
    if household.label == before:
        return
    session.flush()
    record(
        session,
        actor,
        "household.edit",
        "household",
        household.id,
        building.community_id,
        before=before,
        label=household.label,
    )


def remove_household(session: Session, actor: Actor, household: Household) -> None:
    """Remove a flat made by mistake, if no resident's record and no ticket points to it."""
    building = household.building
    ensure_open(building.community)
    _in_use(session, [household.id])
    household_id, label = household.id, household.label
    building.households.remove(household)
    session.flush()
    record(session, actor, "household.remove", "household", household_id, building.community_id, label=label)
