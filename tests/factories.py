"""Factories for the few rows a test needs, built with the core's own functions (so every row is one the app
could have made: audited, numbers sealed, names in three locales), instead of the whole demo.

Each takes the test's session and plain values, flushes and never commits (the test's transaction is rolled
back). A test that needs no demo at all asks for `blank_session` (a migrated database with no rows); one that
is happy to share the run's seeded database asks for `session` and may still build its rows here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.content.services import seed_catalog
from webapp.domain.desk.tickets import submit
from webapp.domain.identity.staff import create_staff
from webapp.domain.identity.vault import Vault
from webapp.domain.life.notices import save_notice
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.domain.register.places import add_building, add_household
from webapp.domain.register.residents import ResidentInput, create_resident
from webapp.domain.register.setup import create_community, ensure_region, same_names
from webapp.domain.training import courses
from webapp.infra import clock
from webapp.models import (
    Building,
    Community,
    ConsentKind,
    Course,
    Household,
    Notice,
    Resident,
    Role,
    ServiceType,
    StaffUser,
    Ticket,
)

PASSWORD = "factory-password-for-tests"
TODAY = date(2026, 11, 29)  # tests.conftest.TODAY (not imported: conftest imports this module's callers)
VAULT = Vault.from_master(bytes(range(32)))  # the same key as tests.conftest.TEST_KEY


def community(session: Session, name: str = "测试社区", slug: str | None = None) -> Community:
    """A community under a street, as the first-run set-up makes one."""
    region = ensure_region(session, SYSTEM, same_names("测试街道"))
    return create_community(session, SYSTEM, region, same_names(name), slug=slug)


def building(session: Session, where: Community, number: int = 1) -> Building:
    return add_building(session, SYSTEM, where.id, str(number))


def household(session: Session, where: Building, unit: int = 1, room: str = "101") -> Household:
    return add_household(session, SYSTEM, where, str(unit), room)


def resident(
    session: Session,
    where: Community,
    name: str = "王秀英",
    age: int | None = 82,
    home: Household | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    lives_alone: bool = False,
    vault: Vault = VAULT,
    actor: Actor = SYSTEM,
    **extra: Any,
) -> Resident:
    """A resident registered as the office would: ID and mobile numbers sealed with the vault, the consents
    an age or living alone needs given."""
    consents = set()
    if age is not None:
        consents.add(ConsentKind.AGE)
    if lives_alone:
        consents.add(ConsentKind.LIVES_ALONE)
    data = ResidentInput(
        name=name,
        household_id=home.id if home is not None else None,
        birth_date=date(TODAY.year - age, 1, 15) if age is not None else None,
        id_number=id_number,
        phone=phone,
        lives_alone=lives_alone,
        consents=consents,
        **extra,
    )
    return create_resident(session, vault, actor, where.id, data)


def staff_user(
    session: Session,
    where: Community,
    role: Role = Role.COMMUNITY_WORKER,
    username: str = "tester",
    password: str = PASSWORD,
) -> StaffUser:
    return create_staff(session, username, f"Tester {username}", password, [(where.id, role)])


def service(session: Session, where: Community, code: str = "health-check") -> ServiceType:
    """One service of the standard catalogue (the catalogue is added to the community the first time)."""
    found = session.scalar(
        select(ServiceType).where(ServiceType.community_id == where.id, ServiceType.code == code)
    )
    if found is None:
        seed_catalog(session, where.id, TODAY)
        session.flush()
        found = session.scalar(
            select(ServiceType).where(ServiceType.community_id == where.id, ServiceType.code == code)
        )
    assert found is not None, f"no service {code!r} in the catalogue"
    return found


def ticket(
    session: Session,
    who: Resident,
    what: ServiceType,
    answers: dict[str, Any] | None = None,
    channel: str = "phone",
    **where: Any,
) -> Ticket:
    """A ticket opened through the core's submit (eligibility, answers and deadline checked as for a person)."""
    return submit(session, SYSTEM, who, what, answers or {}, channel, **where).request


def course(session: Session, where: Community, skills: tuple[str, ...] = ("scan_qr", "spot_scam")) -> Course:
    """A phone class teaching *skills* (two by default: finishing both earns the certificate)."""
    return courses.save_course(
        session, SYSTEM, where.id, None, {"zh_Hans": "手机课", "en": "Phone class"}, list(skills)
    )


def notice(
    session: Session, where: Community, title: str, urgent: bool = True, groups: tuple[str, ...] = ()
) -> Notice:
    """A notice for everyone (or *groups*) from an hour ago until tomorrow, with a summary in English."""
    values = {
        "titles": {"zh_Hans": title, "en": title},
        "bodies": {"zh_Hans": "正文", "en": f"{title} in full"},
        "summaries": {"en": f"{title} in short"},
        "urgent": urgent,
        "starts_at": clock.now() - timedelta(hours=1),
        "ends_at": clock.now() + timedelta(days=1),
        "building_ids": [],
        "groups": list(groups),
    }
    return save_notice(session, SYSTEM, where.id, None, values)
