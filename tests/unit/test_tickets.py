"""Service requests: catalog rules, answers, the life cycle with its events, escalation, Open311 shapes."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from webapp.content.services import CATALOG
from webapp.domain.desk.catalog import (
    AnswerErrors,
    NotEligible,
    check_answers,
    services_for,
    validate_questions,
)
from webapp.domain.desk.public import open311_request, open311_service, public_view, ticket_for_follow_token
from webapp.domain.desk.tickets import (
    TicketError,
    change_status,
    escalate_overdue,
    handler_of,
    is_overdue,
    rate,
    submit,
)
from webapp.domain.privacy.audit import Actor
from webapp.models import Handler, ServiceType, Status

STAFF = Actor(type="staff", id=None, name="赵刚")


@pytest.fixture
def light(session, demo_community) -> ServiceType:
    return session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == demo_community.id, ServiceType.code == "repair-light"
        )
    )


@pytest.fixture
def resident(make_resident):
    return make_resident("王秀英", age=82)


def as_resident(resident) -> Actor:
    return Actor(type="resident", id=resident.id)


def test_demo_catalog_is_complete_and_well_formed(session, demo_community):
    services = services_for(session, demo_community.id, "kiosk")
    assert len(CATALOG) >= 15
    assert len(services) >= 15
    for spec in CATALOG:
        assert validate_questions(spec["questions"]) == [], spec["code"]
        assert set(spec["names"]) == {"zh_Hans", "zh_Hant", "en"}
    assert {s.category.value for s in services} >= {
        "repair",
        "complaint",
        "elderly_care",
        "health",
        "childcare",
        "disability_aid",
        "help_benefits",
        "certificates",
        "other",
    }


def test_full_life_cycle_with_events(session, light, resident, frozen):
    done = submit(
        session, as_resident(resident), resident, light, {"where": "stairs", "urgent": "no"}, "kiosk:1"
    )
    ticket = done.request
    assert ticket.number == f"B-{ticket.id:04d}"
    assert ticket.due_at == frozen.now + timedelta(hours=48)
    for status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED):
        change_status(session, STAFF, ticket, status, note="已派电工" if status == Status.ACCEPTED else None)
    rate(session, as_resident(resident), ticket, 5, "很快")
    change_status(session, as_resident(resident), ticket, Status.CLOSED)
    assert [e.to_status for e in ticket.events if e.to_status] == [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.CLOSED,
    ]
    assert ticket.rating == 5
    assert ticket_for_follow_token(session, done.follow_token).id == ticket.id


def test_reject_needs_a_reason_and_cancel_is_for_the_owner(session, light, resident, make_resident):
    ticket = submit(
        session, as_resident(resident), resident, light, {"where": "home", "urgent": "no"}, "phone"
    ).request
    with pytest.raises(TicketError, match="reason_required"):
        change_status(session, STAFF, ticket, Status.REJECTED, note="  ")
    other = make_resident("李四", age=50)
    with pytest.raises(TicketError, match="not_yours"):
        change_status(session, as_resident(other), ticket, Status.CANCELLED)
    with pytest.raises(TicketError, match="transition"):
        change_status(session, as_resident(resident), ticket, Status.ACCEPTED)
    change_status(session, as_resident(resident), ticket, Status.CANCELLED)
    assert ticket.status == Status.CANCELLED
    second = submit(
        session, as_resident(resident), resident, light, {"where": "home", "urgent": "no"}, "phone"
    ).request
    change_status(session, STAFF, second, Status.REJECTED, note="不属于物业维修范围")
    assert second.closed_at is not None


def test_reopen_within_seven_days_only(session, light, resident, frozen):
    ticket = submit(
        session, as_resident(resident), resident, light, {"where": "lift", "urgent": "yes"}, "kiosk"
    ).request
    change_status(session, STAFF, ticket, Status.RESOLVED)
    frozen.advance(days=6, hours=23)
    change_status(session, as_resident(resident), ticket, Status.IN_PROGRESS)  # the light went out again
    assert ticket.resolved_at is None
    change_status(session, STAFF, ticket, Status.RESOLVED)
    frozen.advance(days=7, minutes=1)
    with pytest.raises(TicketError, match="reopen_too_late"):
        change_status(session, as_resident(resident), ticket, Status.IN_PROGRESS)


def test_overdue_and_escalation_are_idempotent(session, light, resident, frozen, demo_community):
    ticket = submit(
        session, as_resident(resident), resident, light, {"where": "home", "urgent": "no"}, "phone"
    ).request
    assert handler_of(ticket) == Handler.PROPERTY
    frozen.advance(hours=47)
    assert not is_overdue(ticket)
    assert ticket not in escalate_overdue(session, demo_community.id)  # (the demo's own tickets may be)
    frozen.advance(hours=2)
    assert is_overdue(ticket)
    assert ticket in escalate_overdue(session, demo_community.id)
    events = len(ticket.events)
    assert escalate_overdue(session, demo_community.id) == []  # the second run changes nothing
    assert len(ticket.events) == events
    assert handler_of(ticket) == Handler.OFFICE
    internal = ticket.events[-1]
    assert internal.public is False


def test_eligibility_and_channels(session, demo_community, make_resident):
    young = make_resident("小张", age=30)
    meal = session.scalar(select(ServiceType).where(ServiceType.code == "elderly-meal"))
    with pytest.raises(NotEligible, match="age"):
        submit(session, as_resident(young), young, meal, {"how": "canteen"}, "kiosk")
    suggestion = session.scalar(select(ServiceType).where(ServiceType.code == "suggestion"))
    with pytest.raises(NotEligible, match="channel"):
        submit(session, as_resident(young), young, suggestion, {"details": "多种树"}, "kiosk")
    aid = session.scalar(select(ServiceType).where(ServiceType.code == "disability-aid"))
    with pytest.raises(NotEligible, match="disability"):
        submit(session, as_resident(young), young, aid, {"need": "aids"}, "phone")


def test_missing_answers_are_named_and_free_text_is_never_required_on_a_kiosk(light):
    with pytest.raises(AnswerErrors) as caught:
        check_answers(light, {"where": "", "urgent": "maybe"}, "phone")
    assert caught.value.errors == {"where": "required", "urgent": "bad_choice"}
    suggestion = ServiceType(
        questions=[{"id": "details", "type": "short_text", "required": True, "label": {}}]
    )
    assert check_answers(suggestion, {}, "kiosk") == {}
    with pytest.raises(AnswerErrors):
        check_answers(suggestion, {}, "phone")
    with pytest.raises(AnswerErrors) as long_text:
        check_answers(suggestion, {"details": "字" * 10_000}, "phone")
    assert long_text.value.errors == {"details": "too_long"}


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["where", "urgent", "details", "photo", "x"]), st.text(max_size=600)))
def test_any_answers_are_either_accepted_clean_or_refused_by_question(light, answers):
    try:
        clean = check_answers(light, answers, "phone")
    except AnswerErrors as exc:
        refused = set(exc.errors)
    else:
        refused = None
    if refused is not None:
        assert refused <= {"where", "urgent", "details", "photo"}
        return
    assert set(clean) <= {"where", "urgent", "details", "photo"}
    assert clean["where"] in {"home", "stairs", "lift", "outside"}
    assert isinstance(clean["urgent"], bool)


def test_public_view_and_open311_hold_no_personal_data(session, light, resident):
    done = submit(
        session,
        as_resident(resident),
        resident,
        light,
        {"where": "home", "urgent": "no", "details": "我家厨房"},
        "phone",
    )
    ticket = done.request
    change_status(session, STAFF, ticket, Status.ACCEPTED, note="明天上午来修")
    from webapp.domain.desk.tickets import add_note

    add_note(session, STAFF, ticket, "住户电话打不通", public=False)
    view = public_view(ticket)
    flat = repr(view)
    assert "王秀英" not in flat
    assert "我家厨房" not in flat
    assert "住户电话打不通" not in flat
    assert "明天上午来修" in flat
    shaped = open311_request(ticket)
    assert shaped["status"] == "open"
    assert shaped["status_notes"] == "明天上午来修"
    assert shaped["address"] is None
    # A resident's own public note (reopening: "我是3幢501的王秀英") never leaves through Open311.
    change_status(
        session, Actor(type="resident", id=ticket.resident_id), ticket, Status.CANCELLED, note="我是3幢501"
    )
    assert "3幢501" not in repr(open311_request(ticket))
    assert "王秀英" not in repr(shaped)
    service = open311_service(light, "en")
    assert service["service_code"] == "repair-light"
    assert service["metadata"] is True
