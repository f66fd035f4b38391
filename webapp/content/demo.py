"""A realistic, fictitious demo community; running the seed twice changes nothing."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.content.services import seed_catalog
from webapp.domain import DomainError
from webapp.domain.desk.providers import provider_named
from webapp.domain.identity.cards import IssuedCard, issue_card
from webapp.domain.identity.numbers import check_char
from webapp.domain.identity.pins import set_pin
from webapp.domain.identity.roles import grant_region
from webapp.domain.identity.staff import create_staff, find_staff
from webapp.domain.identity.vault import Vault
from webapp.domain.kiosk.devices import start_pairing
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.domain.register import compound
from webapp.domain.register.residents import CONSENT_VERSION, ID_KIND, PHONE_KIND
from webapp.domain.register.setup import create_community, ensure_region
from webapp.models import (
    Community,
    Consent,
    ConsentKind,
    Household,
    Kiosk,
    RegionLevel,
    Resident,
    Role,
    ServiceType,
    Status,
)

DEMO_SLUG = "guihua"
DEMO_COMPOUND = "幢 1-2, 每幢 2 个单元, 6 层, 每层 2 户"

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
    ("grid", "何敏", Role.GRID_WORKER),  # 网格员
    ("district", "翠苑街道管理员", Role.DISTRICT_ADMIN),  # over the street's communities, not one
]


@dataclass(frozen=True)
class DemoResult:
    community: Community
    created: bool
    staff: list[tuple[str, str, Role]]
    sample_resident: Resident | None = None
    sample_card: IssuedCard | None = None
    sample_pin: str | None = None
    kiosk_code: str | None = None

    def kiosk_pairing_url(self, base_url: str) -> str | None:
        return f"{base_url.rstrip('/')}/kiosk/pair?code={self.kiosk_code}" if self.kiosk_code else None


def fictitious_id_number(rng: random.Random, birth: date) -> str:
    """A checksum-valid ID number for a made-up person in Xihu district (330106)."""
    first17 = f"330106{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + check_char(first17)


def fictitious_mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"


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


def seed_demo(session: Session, password: str, today: date, vault: Vault, pin: str = "246810") -> DemoResult:
    """Create the demo community (once) and the demo staff (each once); the caller commits.

    On the first run every resident gets a fictitious ID number, mobile number and PIN, and one
    elderly resident a card, whose link is returned so the command can print it once.
    """
    created = False
    sample: Resident | None = None
    card: IssuedCard | None = None
    kiosk_code: str | None = None
    community = session.scalar(select(Community).where(Community.slug == DEMO_SLUG))
    if community is None:
        created = True
        district = ensure_region(
            session,
            SYSTEM,
            {"zh_Hans": "西湖区", "zh_Hant": "西湖區", "en": "Xihu District"},
            RegionLevel.DISTRICT,
            code="330106",
        )
        street = ensure_region(
            session,
            SYSTEM,
            {"zh_Hans": "翠苑街道", "zh_Hant": "翠苑街道", "en": "Cuiyuan Subdistrict"},
            RegionLevel.STREET,
            parent=district,
            code="330106-cuiyuan",
        )
        community = create_community(
            session,
            SYSTEM,
            street,
            {"zh_Hans": "桂花社区", "zh_Hant": "桂花社區", "en": "Osmanthus Community"},
            slug=DEMO_SLUG,
            phone="0571-8888-0000",
        )
        session.flush()
        sample = _seed_places_and_people(session, community, today, vault, pin)
        card = issue_card(session, SYSTEM, sample)
        services = seed_catalog(session, community.id, today, vault)
        kiosk = Kiosk(
            community=community,
            name="1幢大堂自助机",
            place="1幢一楼大堂",
            # No devices: a demo box has no hardware bridge, and a kiosk talks only to a bridge it is
            # configured to have (docs/kiosk-setup.md: tick the printer or ID reader when the box has them).
            has_printer=False,
            has_id_reader=False,
        )
        session.add(kiosk)
        session.flush()
        kiosk_code = start_pairing(session, SYSTEM, kiosk)
    staff = []
    for username, display_name, role in DEMO_STAFF:
        if find_staff(session, username) is None and role == Role.DISTRICT_ADMIN:
            user = create_staff(session, username, display_name, password)
            grant_region(session, SYSTEM, None, user, community.region_id)  # the street office's own
        elif find_staff(session, username) is None:
            user = create_staff(session, username, display_name, password, [(community.id, role)])
            if role == Role.SERVICE_PROVIDER:
                clinic = provider_named(session, community.id, "翠苑社区卫生服务站")
                user.roles[0].provider_id = clinic.id if clinic is not None else None
        staff.append((username, display_name, role))
    session.flush()
    if created:
        _seed_tickets(session, services, today, sample)
        from webapp.content.life import seed_life

        seed_life(session, community, sample, today)
        from webapp.content.training import seed_training

        seed_training(session, community, sample, today)
        _seed_channels(session, community, vault)
        _seed_safety(session, community, sample, vault)
    return DemoResult(
        community=community,
        created=created,
        staff=staff,
        sample_resident=sample,
        sample_card=card,
        sample_pin=pin if created else None,
        kiosk_code=kiosk_code,
    )


def _seed_channels(session: Session, community: Community, vault: Vault) -> None:
    """One channel that works without any account: text messages written to a file in the instance folder
    (a real gateway is configured on the console's channels page; docs/deployment.md)."""
    from webapp.domain.messages.channels import ChannelInput, add

    given = ChannelInput(
        kind="sms_file",
        label="短信（开发用：写入文件）",
        enabled=True,
        settings={"path": "sms-outbox.jsonl", "template_test": "TEST"},
        secrets={},
    )
    add(session, vault, SYSTEM, community.id, given)


def _seed_safety(session: Session, community: Community, sample: Resident | None, vault: Vault) -> None:
    """A duty roster (the guard room around the clock, the community worker in office hours, then the office
    phone) and the sample resident's daughter as an emergency contact: the help call has someone to alert.
    The numbers are fictitious (the 139 0000 block is not assigned to subscribers in these examples)."""
    from webapp.domain.safety.contacts import add_contact
    from webapp.domain.safety.roster import add_entry

    every_day, weekdays = list(range(7)), list(range(5))
    add_entry(
        session, vault, SYSTEM, community, "guard", "门卫室 老李", "13900000101", every_day, "00:00", "24:00"
    )
    add_entry(session, vault, SYSTEM, community, "staff", "陈静", "13900000102", weekdays, "08:30", "17:30")
    add_entry(
        session,
        vault,
        SYSTEM,
        community,
        "office",
        "社区值班手机",
        "13900000103",
        every_day,
        "00:00",
        "24:00",
    )
    if sample is not None:
        add_contact(session, vault, SYSTEM, sample, "李红", "女儿", "13900000104")


def _seed_tickets(
    session: Session, services: list[ServiceType], today: date, sample: Resident | None
) -> None:
    """A few tickets in every state, so that the queue, the figures and "My requests" are not empty."""
    from webapp.domain.desk import tickets
    from webapp.domain.desk.bookings import open_slots

    by_code = {s.code: s for s in services}
    people = session.scalars(
        select(Resident).where(Resident.community_id == services[0].community_id).order_by(Resident.id)
    ).all()
    office = Actor(type="staff", name="陈静", role="community_worker", channel="demo")
    plan = [
        ("repair-light", {"where": "stairs", "urgent": "no"}, [Status.ACCEPTED]),
        ("repair-water", {"where": "home", "urgent": "yes"}, [Status.IN_PROGRESS, Status.RESOLVED]),
        ("complaint-noise", {"when": "afternoon"}, []),
        ("elderly-visit", {"when": "morning"}, [Status.ACCEPTED]),
        ("repair-lift", {"urgent": "yes"}, []),
        ("certificate-residence", {"use": "school"}, [Status.RESOLVED, Status.CLOSED]),
        ("repair-door", {"where": "outside"}, [Status.REJECTED]),
        ("repair-lift", {"urgent": "no"}, [Status.IN_PROGRESS]),
    ]
    for n, (code, answers, moves) in enumerate(plan):
        service = by_code.get(code)
        if service is None:
            continue
        resident = sample if sample is not None and n in (1, 3) else people[(n * 7) % len(people)]
        actor = Actor(type="resident", id=resident.id, channel="demo")
        try:
            done = tickets.submit(
                session, actor, resident, service, answers, "phone", household_id=resident.household_id
            )
        except DomainError:
            continue
        for to in moves:
            note = "该区域属市政管理，已转交街道。" if to == Status.REJECTED else None
            tickets.change_status(session, office, done.request, to, note)
    check = by_code.get("health-check")
    slots = open_slots(session, check) if check else []
    if check and slots:
        resident = next(p for p in people if p.birth_date and p.birth_date.year < 1950)
        actor = Actor(type="resident", id=resident.id, channel="demo")
        tickets.submit(
            session,
            actor,
            resident,
            check,
            {"slot": str(slots[0].id)},
            "kiosk:demo",
            household_id=resident.household_id,
        )


def _seed_places_and_people(
    session: Session, community: Community, today: date, vault: Vault, pin: str
) -> Resident:
    rng = random.Random(20261129)  # fixed seed: the same demo on every machine  # noqa: S311
    # The buildings as an office describes them in the console (buildings in bulk): 24 flats in each.
    made = compound.create(session, SYSTEM, community.id, compound.parse(DEMO_COMPOUND))
    session.expire(community, ["buildings"])
    households = list(
        session.scalars(
            select(Household).where(Household.building_id.in_([b.id for b in made])).order_by(Household.id)
        )
    )
    people = _residents(rng, today)
    created: list[Resident] = []
    # People living alone get a flat each; the others share flats in families of two or three.
    flats = iter(rng.sample(households, len(households)))
    current: Household | None = None
    left_in_flat = 0
    for person in people:
        if person["lives_alone"]:
            home: Household | None = next(flats)
        else:
            if left_in_flat == 0:
                current = next(flats)
                left_in_flat = rng.choice((2, 3))
            home = current
            left_in_flat -= 1
        resident = Resident(community=community, household=home, **person)
        resident.consents = [
            Consent(kind=kind, version=CONSENT_VERSION)
            for kind, held in (
                (ConsentKind.AGE, True),
                (ConsentKind.LIVES_ALONE, person["lives_alone"]),
                (ConsentKind.DISABILITY, person["has_disability"]),
            )
            if held
        ]
        birth = person["birth_date"]
        assert isinstance(birth, date)  # noqa: S101 (built just above)
        id_number, mobile = fictitious_id_number(rng, birth), fictitious_mobile(rng)
        resident.id_number_index = vault.index(ID_KIND, id_number)
        resident.id_number_cipher = vault.encrypt(ID_KIND, id_number)
        resident.id_number_last4 = id_number[-4:]
        resident.phone_index = vault.index(PHONE_KIND, mobile)
        resident.phone_cipher = vault.encrypt(PHONE_KIND, mobile)
        resident.phone_last4 = mobile[-4:]
        session.add(resident)
        created.append(resident)
    session.flush()
    for resident in created:
        set_pin(session, SYSTEM, resident, pin)
    return created[0]  # aged 80+ and living alone: the kiosk's typical user
