"""A compound described the way offices say it, turned into buildings, units and households in one step.

    幢 1–12, 每幢 3 个单元, 18 层, 每层 4 户
    7 幢: 2 个单元, 11 层
    12 幢: 每层 2 户

The first statement gives the buildings and what they have in common; each further statement (a new line or
a semicolon) starts with some of those buildings and a colon, and changes only what it names. English works
too ("buildings 1-12, 3 units, 18 floors, 4 flats per floor"). `parse` is pure, so the console can show a
preview before anything is written; `create` writes the plan. Flats are numbered floor and door: 1804 is
the 4th door on the 18th floor, labelled building-unit-room (3-2-1804), as the household register does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.privacy.audit import Actor, record
from webapp.models import Building, Household

MAX_BUILDING_NUMBER = 9999
MAX_BUILDINGS = 200
MAX_UNITS = 20
MAX_FLOORS = 99
MAX_PER_FLOOR = 20
MAX_HOUSEHOLDS = 20_000  # one description, one transaction: a bound on what a typo can create
MAX_TEXT = 2000


class CompoundError(DomainError):
    """Why a description cannot be used; *fragment* is the part at fault (shown back to the person)."""

    code = "compound"

    def __init__(self, reason: str, fragment: str = "") -> None:
        super().__init__(reason)
        # "empty", "too_long", "unknown", "no_buildings", "no_units", "no_floors", "no_per_floor", "range",
        # "too_many", "not_in_compound", "twice", "taken"
        self.reason = reason
        self.fragment = fragment


@dataclass(frozen=True)
class BuildingPlan:
    number: int
    units: int
    floors: int
    per_floor: int

    @property
    def households(self) -> int:
        return self.units * self.floors * self.per_floor

    def rooms(self) -> list[tuple[int, str]]:
        """(unit, room) of every flat: room is floor and two-digit door (101, 1804)."""
        return [
            (unit, f"{floor}{door:02d}")
            for unit in range(1, self.units + 1)
            for floor in range(1, self.floors + 1)
            for door in range(1, self.per_floor + 1)
        ]


@dataclass(frozen=True)
class CompoundPlan:
    buildings: tuple[BuildingPlan, ...]

    @property
    def households(self) -> int:
        return sum(b.households for b in self.buildings)


_SET = r"\d+(?:\s*-\s*\d+)?(?:\s*(?:、|和|and|&)\s*\d+(?:\s*-\s*\d+)?)*"
_BUILDING_WORD = r"(?:幢|栋|号楼|楼|buildings?|blocks?)"
BUILDINGS = [
    re.compile(rf"^{_BUILDING_WORD}\s*(?:no\.?\s*)?({_SET})$"),
    re.compile(rf"^({_SET})\s*{_BUILDING_WORD}$"),
]
UNITS = re.compile(r"^(?:每幢|每栋|每楼|each)?\s*(\d+)\s*个?\s*(?:单元|units?)(?:\s*(?:each|per building))?$")
FLOORS = re.compile(r"^(?:每幢|每栋|共)?\s*(\d+)\s*(?:层|floors?|storeys?|stories)(?:\s*each)?$")
PER_FLOOR = re.compile(
    r"^(?:每层|每层楼|per floor|each floor)?\s*(\d+)\s*(?:户|套|家|flats?|homes?|households?|doors?)"
    r"(?:\s*(?:每层|per floor|a floor|on each floor|each floor))?$"
)
EXCEPTION_HEAD = re.compile(rf"^(?:{_BUILDING_WORD}\s*)?({_SET})\s*{_BUILDING_WORD}?\s*[:：]\s*(.*)$")


def _normalise(text: str) -> str:
    """Full-width digits and punctuation to plain ones (NFKC), every kind of dash and 至/到/~ to "-"."""
    text = unicodedata.normalize("NFKC", text).lower()
    for dash in ("–", "—", "－", "~", "〜", "至", "到", "−"):
        text = text.replace(dash, "-")
    return text


def _numbers(found: str) -> list[int]:
    """ "1-3、7" → [1, 2, 3, 7]; refuses reversed or absurd ranges before expanding them."""
    numbers: list[int] = []
    for part in re.split(r"\s*(?:、|和|and|&)\s*", found.strip()):
        low, _, high = (p.strip() for p in part.partition("-"))
        first, last = int(low), int(high or low)
        if first < 1 or last > MAX_BUILDING_NUMBER or last < first or last - first >= MAX_BUILDINGS:
            raise CompoundError("range", part)
        numbers.extend(range(first, last + 1))
    if len(numbers) > MAX_BUILDINGS:
        raise CompoundError("too_many", found)
    if len(set(numbers)) != len(numbers):
        raise CompoundError("twice", found)
    return numbers


def _bounded(value: str, limit: int, clause: str) -> int:
    number = int(value)
    if not 1 <= number <= limit:
        raise CompoundError("range", clause)
    return number


def _clauses(statement: str) -> list[str]:
    return [c.strip() for c in re.split(r"[,，]", statement) if c.strip()]


def _read(statement: str) -> tuple[list[int] | None, dict[str, int]]:
    """The buildings a statement names (if it does) and the figures it sets."""
    buildings: list[int] | None = None
    figures: dict[str, int] = {}
    for clause in _clauses(statement):
        matched = next((m for pattern in BUILDINGS if (m := pattern.match(clause))), None)
        if matched and buildings is None:
            buildings = _numbers(matched.group(1))
            continue
        for key, pattern, limit in (
            ("units", UNITS, MAX_UNITS),
            ("floors", FLOORS, MAX_FLOORS),
            ("per_floor", PER_FLOOR, MAX_PER_FLOOR),
        ):
            found = pattern.match(clause)
            if found and key not in figures:
                figures[key] = _bounded(found.group(1), limit, clause)
                break
        else:
            raise CompoundError("unknown", clause)
    return buildings, figures


def parse(text: str) -> CompoundPlan:
    """The plan a description makes, or CompoundError naming the part that cannot be used."""
    if len(text) > MAX_TEXT:
        raise CompoundError("too_long")
    statements = [s.strip() for s in re.split(r"[\n;；。]", _normalise(text)) if s.strip()]
    if not statements:
        raise CompoundError("empty")
    numbers, common = _read(statements[0])
    if numbers is None:
        raise CompoundError("no_buildings", statements[0])
    for key in ("units", "floors", "per_floor"):
        if key not in common:
            raise CompoundError(f"no_{key}", statements[0])
    plans = {n: BuildingPlan(n, common["units"], common["floors"], common["per_floor"]) for n in numbers}
    for statement in statements[1:]:
        head = EXCEPTION_HEAD.match(statement)
        if head is None:
            raise CompoundError("unknown", statement)
        which = _numbers(head.group(1))
        named, changes = _read(head.group(2))
        if named is not None:  # "7 幢: 8 幢" says nothing an office means
            raise CompoundError("unknown", statement)
        for n in which:
            if n not in plans:
                raise CompoundError("not_in_compound", str(n))
            plans[n] = replace(plans[n], **changes)
    plan = CompoundPlan(tuple(plans[n] for n in numbers))
    if plan.households > MAX_HOUSEHOLDS:
        raise CompoundError("too_many", str(plan.households))
    return plan


def taken_numbers(session: Session, community_id: int, plan: CompoundPlan) -> list[int]:
    """Buildings of the plan the community already has (the preview names them; `create` refuses them)."""
    wanted = [b.number for b in plan.buildings]
    return sorted(
        session.scalars(
            select(Building.number).where(Building.community_id == community_id, Building.number.in_(wanted))
        )
    )


def create(session: Session, actor: Actor, community_id: int, plan: CompoundPlan) -> list[Building]:
    """Write the plan's buildings and households; all of them, or (a building already there) none."""
    taken = taken_numbers(session, community_id, plan)
    if taken:
        raise CompoundError("taken", "、".join(map(str, taken)))
    made: list[Building] = []
    for item in plan.buildings:
        label = f"{item.number}幢"
        building = Building(
            community_id=community_id,
            number=item.number,
            names={"zh_Hans": label, "zh_Hant": label, "en": f"Building {item.number}"},
        )
        session.add(building)
        made.append(building)
    session.flush()
    session.add_all(
        Household(building_id=building.id, unit=unit, room=room, label=f"{item.number}-{unit}-{room}")
        for building, item in zip(made, plan.buildings, strict=True)
        for unit, room in item.rooms()
    )
    session.flush()
    record(
        session,
        actor,
        "building.bulk_create",
        "community",
        community_id,
        community_id,
        buildings=len(made),
        households=plan.households,
    )
    return made
