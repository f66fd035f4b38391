"""One rule, one place: what a face asks is what the core checks; where a ticket is about, who sees a ticket
and how long a note may be are decided by the core alone, and every face gets the same answer."""

import pytest
from sqlalchemy import select

from webapp.domain.desk import queue as desk
from webapp.domain.desk.catalog import AnswerErrors, questions_for
from webapp.domain.desk.tickets import NOTE_MAX, TicketError, add_note, change_status, submit
from webapp.domain.privacy.audit import Actor
from webapp.models import (
    Building,
    Category,
    Community,
    Eligibility,
    Handler,
    Region,
    RegionLevel,
    Role,
    ServiceType,
    Status,
    Ticket,
    TicketEvent,
)

STAFF = Actor(type="staff", id=None, name="赵刚")
LABEL = {"zh_Hans": "问", "zh_Hant": "問", "en": "Q"}


def service_with_photo(session, community, *questions, code: str = "broken-bench") -> ServiceType:
    """A service whose catalog requires a photo: the kiosk cannot take one."""
    service = ServiceType(
        community_id=community.id,
        code=code,
        category=Category.REPAIR,
        handler=Handler.PROPERTY,
        eligibility=Eligibility.EVERYONE,
        deadline_hours=48,
        urgent_deadline_hours=4,
        names={"zh_Hans": "长椅坏了", "zh_Hant": "長椅壞了", "en": "A bench is broken"},
        channels=["kiosk", "phone", "staff"],
        questions=[*questions, {"id": "photo", "type": "photo", "required": True, "label": LABEL}],
        active=True,
    )
    session.add(service)
    session.flush()
    return service


def test_a_kiosk_ticket_is_not_refused_for_a_photo_the_kiosk_never_asked(
    session, demo_community, make_resident
):
    person = make_resident("周阿姨", age=75)
    how = {"id": "how", "type": "yes_no", "required": True, "label": LABEL}
    service = service_with_photo(session, demo_community, how)
    assert [q["id"] for q in questions_for(service, "kiosk:1")] == ["how"]
    done = submit(session, Actor(type="resident", id=person.id), person, service, {"how": "yes"}, "kiosk:1")
    assert done.request.answers == {"how": True}
    only_photo = service_with_photo(session, demo_community, code="broken-swing")
    assert questions_for(only_photo, "kiosk") == []  # the kiosk asks nothing and goes to the review
    assert submit(session, Actor(type="resident", id=person.id), person, only_photo, {}, "kiosk").request.id
    # The console cannot take a photo either; the phone asks for it, so there it stays required.
    assert submit(session, STAFF.helping(person.id), person, service, {"how": "no"}, "staff").request.id
    with pytest.raises(AnswerErrors) as caught:
        submit(
            session, Actor(type="resident", id=person.id), person, service, {"how": "no"}, "phone",
            household_id=person.household_id,
        )  # fmt: skip
    assert caught.value.errors == {"photo": "required"}


@pytest.fixture
def noise(session, demo_community) -> ServiceType:
    """A service with no "where" question: the phone asks where on its review screen."""
    service = session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == demo_community.id, ServiceType.code == "complaint-noise"
        )
    )
    assert not any(q.get("id") == "where" for q in service.questions)
    return service


def other_building(session) -> Building:
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    community = Community(slug="elsewhere", region=street, names={"zh_Hans": "别处"})
    building = Building(community=community, number=9, names={"zh_Hans": "9 号楼"})
    session.add_all([community, building])
    session.flush()
    return building


def test_the_core_wants_a_place_for_a_common_area_and_a_building_of_the_community(
    session, demo_community, make_resident, noise
):
    person = make_resident("吴伯伯", age=70)
    actor = Actor(type="resident", id=person.id)
    with pytest.raises(AnswerErrors) as caught:
        submit(session, actor, person, noise, {"when": "morning"}, "phone", household_id=None, place="  ")
    assert caught.value.errors == {"place": "required"}
    with pytest.raises(AnswerErrors) as foreign:
        submit(
            session, actor, person, noise, {"when": "morning"}, "phone", place="3 号楼楼道",
            building_id=other_building(session).id,
        )  # fmt: skip
    assert foreign.value.errors == {"building": "bad_choice"}
    # Both at once with a missing answer: every problem is named in one answer.
    with pytest.raises(AnswerErrors) as all_of_them:
        submit(session, actor, person, noise, {}, "phone", place="")
    assert set(all_of_them.value.errors) == {"when", "place"}
    own = session.scalar(select(Building).where(Building.community_id == demo_community.id))
    done = submit(
        session, actor, person, noise, {"when": "morning"}, "phone", place="3 号楼楼道", building_id=own.id
    )
    assert (done.request.place, done.request.building_id, done.request.household_id) == (
        "3 号楼楼道",
        own.id,
        None,
    )
    # About one's home, no place is needed; a kiosk cannot type one, so it is never asked there.
    assert submit(
        session, actor, person, noise, {"when": "morning"}, "phone", household_id=person.household_id
    )
    assert submit(session, actor, person, noise, {"when": "morning"}, "kiosk:1", household_id=None)


def test_a_ticket_opens_exactly_when_the_queue_lists_it(session, demo_community, make_resident, make_staff):
    """can_see and the queue are one rule: also for a ticket whose row names another community than its
    service type (an import or a hand-made row), which the queue hides and can_see used to open."""
    person = make_resident("郑奶奶", age=88)
    light = session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == demo_community.id, ServiceType.code == "repair-light"
        )
    )
    ticket = submit(
        session, Actor(type="resident", id=person.id), person, light, {"where": "home", "urgent": "no"},
        "phone", household_id=person.household_id,
    ).request  # fmt: skip
    stray = submit(
        session, Actor(type="resident", id=person.id), person, light, {"where": "home", "urgent": "no"},
        "phone", household_id=person.household_id,
    ).request  # fmt: skip
    elsewhere = other_building(session).community
    stray.community_id = elsewhere.id
    session.flush()
    people = [
        make_staff("office1", Role.COMMUNITY_WORKER),
        make_staff("property1", Role.PROPERTY_MANAGER),
        make_staff("volunteer1", Role.VOLUNTEER),
        make_staff("away1", Role.COMMUNITY_WORKER, community=elsewhere),
    ]
    for user in people:
        scope = desk.scope_of(user)
        listed = set(session.scalars(select(Ticket.id).where(desk.visible(session, scope))))
        for row in (ticket, stray):
            assert desk.can_see(scope, row) == (row.id in listed), (user.username, row.id)


def test_a_note_over_the_limit_is_refused_whole_not_cut(session, demo_community, make_resident):
    person = make_resident("冯阿姨", age=79)
    light = session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == demo_community.id, ServiceType.code == "repair-light"
        )
    )
    ticket = submit(
        session, Actor(type="resident", id=person.id), person, light, {"where": "home", "urgent": "no"},
        "phone", household_id=person.household_id,
    ).request  # fmt: skip
    events = len(ticket.events)
    with pytest.raises(TicketError, match="note_too_long"):
        add_note(session, STAFF, ticket, "字" * (NOTE_MAX + 1), public=True)
    with pytest.raises(TicketError, match="note_too_long"):
        change_status(session, STAFF, ticket, Status.REJECTED, "字" * (NOTE_MAX + 1))
    assert (len(ticket.events), ticket.status) == (events, Status.SUBMITTED)
    add_note(session, STAFF, ticket, "字" * NOTE_MAX, public=False)
    assert (
        session.scalar(select(TicketEvent.note).where(TicketEvent.id == ticket.events[-1].id))
        == "字" * NOTE_MAX
    )
