"""The days an office is closed (issue 16 item 7, its holidays): they do not count towards the deadline of the
office's own work, never move an urgent deadline or another unit's, and residents are told of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.content.services import URGENT
from webapp.domain.desk.deadlines import due_at
from webapp.domain.desk.tickets import submit
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.register.settings import Closure, closures_ahead
from webapp.infra import clock
from webapp.models import Handler, ServiceType

GOLDEN_WEEK = [f"2026-10-0{day}" for day in range(1, 8)]  # 国庆: the office is closed 1-7 October


def shanghai(day: int, hour: int, month: int = 10) -> datetime:
    """A moment on the community's wall clock (Asia/Shanghai, UTC+8), as UTC."""
    return datetime(2026, month, day, hour, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
def closed(session, demo_community):
    demo_community.holidays = GOLDEN_WEEK
    session.flush()
    return demo_community


@pytest.fixture
def at():
    def freeze(moment: datetime) -> None:
        clock.freeze(moment)

    yield freeze
    clock.freeze(None)


def service(session, code: str) -> ServiceType:
    return session.scalar(select(ServiceType).where(ServiceType.code == code))


def test_office_work_does_not_count_the_days_the_office_is_closed(session, closed, make_resident, at):
    suggestion = service(session, "suggestion")  # handled by the office
    suggestion.deadline_hours = 48
    resident = make_resident()
    at(shanghai(30, 10, month=9))  # the afternoon before the holiday: 14 hours count on 30 September
    ticket = submit(session, SYSTEM, resident, suggestion, {"details": "路灯太暗"}, "staff").request
    assert ticket.due_at == shanghai(9, 10)  # and the other 34 after the office reopens on 8 October
    at(shanghai(3, 15))  # made during the closure: the clock starts when the office reopens
    during = submit(session, SYSTEM, resident, suggestion, {"details": "楼道"}, "staff").request
    assert during.due_at == shanghai(10, 0)


def test_a_deadline_that_ends_before_the_closure_is_not_moved(session, closed, make_resident, at):
    suggestion = service(session, "suggestion")
    suggestion.deadline_hours = 12
    at(shanghai(30, 8, month=9))
    ticket = submit(session, SYSTEM, make_resident(), suggestion, {"details": "x"}, "staff").request
    assert ticket.due_at == shanghai(30, 20, month=9)
    at(shanghai(12, 8))  # after the closure: counted straight through
    after = submit(session, SYSTEM, make_resident("李建国"), suggestion, {"details": "y"}, "staff").request
    assert after.due_at == shanghai(12, 20)


def test_an_urgent_deadline_is_never_extended_by_a_closure(session, closed, make_resident, at):
    suggestion = service(session, "suggestion")
    suggestion.questions = [*suggestion.questions, URGENT]
    suggestion.deadline_hours, suggestion.urgent_deadline_hours = 48, 4
    at(shanghai(30, 22, month=9))
    ticket = submit(
        session, SYSTEM, make_resident(), suggestion, {"details": "漏电", "urgent": "yes"}, "staff"
    ).request
    assert ticket.urgent
    assert ticket.due_at == shanghai(1, 2)  # four hours, in the middle of the first closed night


def test_property_and_provider_work_keeps_its_own_hours(session, closed, make_resident, at):
    door = service(session, "repair-door")
    assert door.handler == Handler.PROPERTY
    at(shanghai(30, 10, month=9))
    ticket = submit(
        session, SYSTEM, make_resident(), door, {"where": "home", "details": "单元门坏了"}, "staff"
    ).request
    assert ticket.due_at == shanghai(2, 10)  # 48 hours, through the office's holiday
    provider = ServiceType(handler=Handler.PROVIDER, deadline_hours=24, community=closed)
    assert due_at(provider, shanghai(30, 10, month=9), urgent=False) == shanghai(1, 10)


def test_without_holidays_a_deadline_is_counted_straight_through(demo_community):
    office = ServiceType(handler=Handler.OFFICE, deadline_hours=72, urgent_deadline_hours=4)
    office.community = demo_community
    demo_community.holidays = None
    start = shanghai(30, 10, month=9)
    assert due_at(office, start, urgent=False) == start + timedelta(hours=72)
    demo_community.holidays = ["2026-01-01"]  # a closure long past moves nothing
    assert due_at(office, start, urgent=False) == start + timedelta(hours=72)


def test_a_closed_day_is_the_communitys_own_day(demo_community):
    """Midnight to midnight on the community's wall clock, not in UTC: 1 October in Shanghai starts at
    16:00 UTC on 30 September."""
    office = ServiceType(handler=Handler.OFFICE, deadline_hours=1, urgent_deadline_hours=1)
    office.community = demo_community
    demo_community.holidays = ["2026-10-01"]
    assert due_at(office, shanghai(30, 23, month=9) + timedelta(minutes=30), urgent=False) == shanghai(
        2, 0
    ) + timedelta(minutes=30)


def test_residents_are_told_of_the_closures_to_come(demo_community):
    demo_community.holidays = ["2026-05-01", *GOLDEN_WEEK, "2026-10-15", "2026-12-31"]
    assert closures_ahead(demo_community, date(2026, 9, 20)) == [
        Closure(date(2026, 10, 1), date(2026, 10, 7))
    ]
    during = closures_ahead(demo_community, date(2026, 10, 3))
    assert during == [
        Closure(date(2026, 10, 3), date(2026, 10, 7), begun=True),
        Closure(date(2026, 10, 15), date(2026, 10, 15)),
    ]
    assert closures_ahead(demo_community, date(2026, 10, 8)) == [
        Closure(date(2026, 10, 15), date(2026, 10, 15))
    ]
    assert closures_ahead(demo_community, date(2026, 11, 1)) == []  # 31 December is too far ahead to tell yet
    demo_community.holidays = None
    assert closures_ahead(demo_community, date(2026, 10, 1)) == []


def test_today_is_the_communitys_own_day(demo_community, at):
    demo_community.holidays = ["2026-10-01"]
    at(shanghai(30, 23, month=9))  # still 30 September on the office's wall clock (15:00 UTC)
    assert closures_ahead(demo_community) == [Closure(date(2026, 10, 1), date(2026, 10, 1))]
    at(shanghai(1, 1))  # 1 October in Shanghai, still 30 September in UTC
    assert closures_ahead(demo_community) == [Closure(date(2026, 10, 1), date(2026, 10, 1), begun=True)]
