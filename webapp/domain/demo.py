"""A realistic, fictitious demo community; running the seed twice changes nothing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.staff import create_staff, find_staff
from webapp.models import Building, Community, Household, Kiosk, Region, RegionLevel, Resident, Role

DEMO_SLUG = "guihua"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "秀英",
    "桂兰",
    "玉兰",
    "凤英",
    "建国",
    "建华",
    "志强",
    "国庆",
    "淑珍",
    "德明",
    "美华",
    "丽娟",
    "金凤",
    "永康",
    "海燕",
    "春梅",
    "伟",
    "静",
    "磊",
    "敏",
    "子涵",
    "浩然",
    "欣怡",
    "宇轩",
    "雅琴",
    "文博",
    "立新",
    "红梅",
    "素芬",
    "福生",
]

# (username, display name, role)
DEMO_STAFF = [
    ("admin", "系统管理员", Role.ADMIN),
    ("worker", "陈静", Role.COMMUNITY_WORKER),
    ("property", "赵刚", Role.PROPERTY_MANAGER),
    ("provider", "孙医生", Role.SERVICE_PROVIDER),
    ("volunteer", "李明", Role.VOLUNTEER),
]


@dataclass(frozen=True)
class DemoResult:
    community: Community
    created: bool
    staff: list[tuple[str, str, Role]]


def _region(
    session: Session, code: str, level: RegionLevel, names: dict[str, str], parent: Region | None
) -> Region:
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None:
        region = Region(code=code, level=level, names=names, parent=parent)
        session.add(region)
        session.flush()
    return region


def _residents(rng: random.Random, today: date) -> list[dict[str, object]]:
    """About 40 people: families, a few very old people living alone, one with a disability flag."""
    people: list[dict[str, object]] = []
    used: set[str] = set()
    for i in range(40):
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in used:
                used.add(name)
                break
        if i < 10:
            age = rng.randint(80, 94)  # the elderly the kiosk is built for
        elif i < 24:
            age = rng.randint(60, 79)
        elif i < 36:
            age = rng.randint(25, 59)
        else:
            age = rng.randint(4, 16)
        birth = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        people.append(
            {
                "name": name,
                "birth_date": birth,
                "lives_alone": i in (0, 1, 2, 3, 11, 12),
                "has_disability": i == 5,
            }
        )
    return people


def seed_demo(session: Session, password: str, today: date) -> DemoResult:
    """Create the demo community (once) and the demo staff (each once); the caller commits."""
    created = False
    community = session.scalar(select(Community).where(Community.slug == DEMO_SLUG))
    if community is None:
        created = True
        district = _region(
            session,
            "330106",
            RegionLevel.DISTRICT,
            {"zh_Hans": "西湖区", "zh_Hant": "西湖區", "en": "Xihu District"},
            None,
        )
        street = _region(
            session,
            "330106-cuiyuan",
            RegionLevel.STREET,
            {"zh_Hans": "翠苑街道", "zh_Hant": "翠苑街道", "en": "Cuiyuan Subdistrict"},
            district,
        )
        community = Community(
            slug=DEMO_SLUG,
            region=street,
            names={"zh_Hans": "桂花社区", "zh_Hant": "桂花社區", "en": "Osmanthus Community"},
            phone="0571-8888-0000",
        )
        session.add(community)
        session.flush()
        _seed_places_and_people(session, community, today)
        session.add(
            Kiosk(
                community=community,
                name="1幢大堂自助机",
                place="1幢一楼大堂",
                has_printer=True,
                has_id_reader=True,
            )
        )
    staff = []
    for username, display_name, role in DEMO_STAFF:
        if find_staff(session, username) is None:
            create_staff(session, username, display_name, password, [(community.id, role)])
        staff.append((username, display_name, role))
    session.flush()
    return DemoResult(community=community, created=created, staff=staff)


def _seed_places_and_people(session: Session, community: Community, today: date) -> None:
    rng = random.Random(20261129)  # fixed seed: the same demo on every machine  # noqa: S311
    households: list[Household] = []
    for number in (1, 2):
        building = Building(
            community=community,
            number=number,
            names={"zh_Hans": f"{number}幢", "zh_Hant": f"{number}幢", "en": f"Building {number}"},
        )
        session.add(building)
        for unit in (1, 2):
            for floor in range(1, 7):
                for door in (1, 2):
                    room = f"{floor}0{door}"
                    households.append(
                        Household(building=building, unit=unit, room=room, label=f"{number}-{unit}-{room}")
                    )
    session.add_all(households)
    session.flush()
    people = _residents(rng, today)
    # People living alone get a flat each; the others share flats in families of two or three.
    flats = iter(rng.sample(households, len(households)))
    current: Household | None = None
    left_in_flat = 0
    for person in people:
        if person["lives_alone"]:
            home = next(flats)
        else:
            if left_in_flat == 0:
                current = next(flats)
                left_in_flat = rng.choice((2, 3))
            home = current
            left_in_flat -= 1
        session.add(Resident(community=community, household=home, **person))
