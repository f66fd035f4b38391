"""The cockpit's rules in the core: danger answers (a yes, or a service type's own danger option) make a ticket
urgent with the service's urgent deadline; urgent tickets lead every queue; the live counts; events worded from
codes, old ones too; who may cancel, lead a class, and which menu entries a role sees."""

from datetime import timedelta

from sqlalchemy import select

from webapp.auth.policy import may_cancel_ticket, may_lead_classes, navigation
from webapp.domain.desk import queue as desk
from webapp.domain.desk.catalog import is_danger
from webapp.domain.desk.public import event_kind
from webapp.domain.desk.tickets import submit
from webapp.domain.privacy.audit import Actor
from webapp.models import Role, ServiceType, StaffUser, TicketEvent

GAS = {
    "id": "what",
    "type": "choice",
    "required": True,
    "label": {"zh_Hans": "什么情况？", "zh_Hant": "什麼情況？", "en": "What is it?"},
    "options": [
        {
            "value": "smell",
            "danger": True,
            "label": {"zh_Hans": "闻到燃气味", "zh_Hant": "聞到燃氣味", "en": "Gas smell"},
        },
        {"value": "bill", "label": {"zh_Hans": "账单", "zh_Hant": "帳單", "en": "A bill"}},
    ],
}


def gas_service(session, community) -> ServiceType:
    service = ServiceType(
        community_id=community.id,
        code="gas",
        category="repair",
        names={"zh_Hans": "燃气", "zh_Hant": "燃氣", "en": "Gas"},
        handler="property",
        deadline_hours=48,
        urgent_deadline_hours=1,
        questions=[GAS],
    )
    session.add(service)
    session.flush()
    return service


def test_a_service_types_own_danger_option_makes_the_ticket_urgent(session, demo_community, make_resident):
    gas = gas_service(session, demo_community)
    person = make_resident("闻到燃气", age=77)
    assert is_danger(gas, {"what": "smell"})
    assert not is_danger(gas, {"what": "bill"})
    smell = submit(
        session,
        Actor(type="resident", id=person.id),
        person,
        gas,
        {"what": "smell"},
        "phone",
        household_id=person.household_id,
    ).request
    bill = submit(
        session,
        Actor(type="resident", id=person.id),
        person,
        gas,
        {"what": "bill"},
        "phone",
        household_id=person.household_id,
    ).request
    assert smell.urgent
    assert smell.due_at - smell.submitted_at == timedelta(hours=1)
    assert not bill.urgent
    assert bill.due_at - bill.submitted_at == timedelta(hours=48)
    assert [e.kind for e in smell.events] == [None, "urgent"]  # the timeline says why it went first


def test_urgent_tickets_lead_every_queue_and_are_counted(session, demo_community, make_resident):
    gas = gas_service(session, demo_community)
    person = make_resident("排队", age=70)
    resident = Actor(type="resident", id=person.id)
    calm = [
        submit(
            session, resident, person, gas, {"what": "bill"}, "phone", household_id=person.household_id
        ).request
        for _ in range(3)
    ]
    urgent = submit(
        session, resident, person, gas, {"what": "smell"}, "phone", household_id=person.household_id
    ).request
    for username in ("worker", "property"):
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        scope = desk.scope_of(user)
        for status in ("open", "submitted"):
            page = desk.queue(session, scope, desk.QueueFilter(status=status))
            assert page.tickets[0].id == urgent.id, (username, status)
        counts = desk.work_counts(session, scope)
        assert counts.urgent >= 1
        assert urgent.number in counts.urgent_numbers
        assert counts.newest >= max(t.id for t in calm)
    provider = session.scalar(select(StaffUser).where(StaffUser.username == "provider"))
    assert urgent.number not in desk.work_counts(session, desk.scope_of(provider)).urgent_numbers


def test_old_events_are_read_as_codes():
    old = TicketEvent(actor_type="staff", note="assigned: 赵刚", public=False)
    assert event_kind(old) == ("assigned", "赵刚")
    system = TicketEvent(actor_type="system", note="overdue: escalated to the community office", public=False)
    assert event_kind(system) == ("escalated", None)
    person = TicketEvent(actor_type="staff", note="assigned: the plumber comes at 3", public=True)
    assert event_kind(person) == (None, "assigned: the plumber comes at 3")  # a public note stays a note
    assert event_kind(TicketEvent(actor_type="staff", kind="assigned", note="陈静")) == ("assigned", "陈静")


def test_policy_decides_menu_cancel_and_leaders(session, demo_community):
    def user(name):
        return session.scalar(select(StaffUser).where(StaffUser.username == name))

    areas = {
        name: dict(navigation(user(name)))
        for name in ("admin", "worker", "property", "provider", "volunteer")
    }
    assert list(areas["admin"]) == ["desk", "residents", "life", "training", "settings"]
    assert "staff.tickets" not in sum(areas["volunteer"].values(), [])
    assert "desk" not in areas["volunteer"]
    assert "residents" not in areas["property"]
    assert "staff.notices" in areas["property"]["life"]
    assert areas["provider"]["desk"] == ["staff.tickets", "staff.desk_figures"]
    assert may_cancel_ticket(user("worker"), demo_community.id)
    assert not may_cancel_ticket(user("property"), demo_community.id)
    assert not may_cancel_ticket(user("provider"), demo_community.id)
    assert {r for r in Role if may_lead_classes(r)} == {Role.ADMIN, Role.COMMUNITY_WORKER, Role.VOLUNTEER}


def test_the_demo_asks_gas_water_and_lift_about_danger_in_their_own_words(
    session, demo_community, make_resident
):
    """The demo community's catalogue (what an office starts from) names the dangers residents meet."""
    asked = {}
    for code in ("repair-gas", "repair-water", "repair-lift"):
        service = session.scalar(
            select(ServiceType).where(ServiceType.community_id == demo_community.id, ServiceType.code == code)
        )
        assert service is not None, code
        (question,) = [q for q in service.questions if q.get("danger")]
        asked[code] = question["label"]["zh_Hans"]
        assert is_danger(service, {"urgent": True})
        assert not is_danger(service, {"urgent": False})
    assert asked == {
        "repair-gas": "现在还闻得到燃气味吗？",
        "repair-water": "水在大量往外冒、关不住吗？",
        "repair-lift": "有人被困在电梯里吗？",
    }
    gas = session.scalar(select(ServiceType).where(ServiceType.code == "repair-gas"))
    person = make_resident("闻到燃气", age=77)
    ticket = submit(
        session,
        Actor(type="resident", id=person.id),
        person,
        gas,
        {"urgent": "yes", "where": "home"},
        "kiosk",
        household_id=person.household_id,
    ).request
    assert ticket.urgent
    assert ticket.due_at - ticket.submitted_at <= timedelta(hours=gas.urgent_deadline_hours)
