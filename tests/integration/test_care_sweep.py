"""The daily missed check-in alert runs on a box's own SQLite database (found by review: the sweep held the
write lock while claiming its period in a second session, and on SQLite waited, then failed, every time)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import TEST_KEY
from webapp import create_app
from webapp.infra import clock
from webapp.infra.db import database, make_engine
from webapp.infra.queue import queue_of
from webapp.models import Community, GroupAlert, HelpCall, OutboxMessage


def test_the_care_sweep_tells_the_office_group_once_a_day(databases, tmp_path):
    url = databases.seeded("care")
    engine = make_engine(url)
    with Session(engine) as session:
        community = session.scalar(select(Community).where(Community.slug == "guihua"))
        assert community is not None
        session.add(GroupAlert(community_id=community.id, queue="office", channel="dingtalk"))
        session.commit()
    app = create_app(
        {"database_url": url, "instance_path": tmp_path, "encryption_key": TEST_KEY, "queue_url": "immediate"}
    )
    clock.freeze(datetime(2026, 11, 29, 6, 0, tzinfo=UTC))  # 14:00 in Hangzhou, after the 10:00 check time
    try:
        tasks = queue_of(app)
        first = tasks.care_sweep.call_local()
        again = tasks.care_sweep.call_local()
    finally:
        clock.freeze(None)
        database(app).engine.dispose()
    with Session(engine) as session:
        alerts = session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "care_alert")
        )
    engine.dispose()
    assert first == 1
    assert again == 0  # the day's period is taken: once a day, however many sweeps
    assert alerts == 1


# ---- Missed check-in alerts (issue 18): the same sweep, each resident's own time, on a frozen clock ----------

MONDAY = datetime(2026, 11, 30, tzinfo=UTC)  # Hangzhou is UTC+8: 10:00 there is 02:00 here


def at_local(hour: int, minute: int) -> datetime:
    return MONDAY.replace(hour=hour - 8, minute=minute)


@pytest.fixture
def alone_with_plan(session, demo_community):
    """王秀英 lives alone (with consent), chose a 10:00 daily check-in, and has her daughter as a contact; a
    grid worker is on the roster."""
    from tests.conftest import VAULT
    from webapp.domain.privacy.audit import SYSTEM
    from webapp.domain.register.residents import ResidentInput, create_resident
    from webapp.domain.safety import checkin, roster
    from webapp.domain.safety.contacts import add_contact
    from webapp.models import ConsentKind

    clock.freeze(at_local(8, 0))
    person = create_resident(
        session,
        VAULT,
        SYSTEM,
        demo_community.id,
        ResidentInput(
            name="王秀英", phone="13900008888", lives_alone=True, consents={ConsentKind.LIVES_ALONE}
        ),
    )
    checkin.set_plan(session, SYSTEM, person, "10:00", consent=True)
    add_contact(session, VAULT, SYSTEM, person, "李红", "女儿", "13900001234")
    roster.add_entry(
        session,
        VAULT,
        SYSTEM,
        demo_community,
        "grid_worker",
        "小张",
        "13800000002",
        list(range(7)),
        "00:00",
        "24:00",
    )
    session.commit()
    yield person
    clock.freeze(None)


def sweep_at(tasks, session, hour: int, minute: int) -> None:
    clock.freeze(at_local(hour, minute))
    session.commit()
    tasks.care_sweep.call_local()


def chains_of(session, person) -> list[HelpCall]:
    session.expire_all()
    return list(
        session.scalars(
            select(HelpCall).where(HelpCall.resident_id == person.id, HelpCall.source == "checkin")
        )
    )


def outbox_of(session, kind: str) -> list[OutboxMessage]:
    return list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    )


def test_no_sign_of_life_by_ten_starts_exactly_one_chain(app, session, alone_with_plan):
    person, tasks = alone_with_plan, queue_of(app)
    sweep_at(tasks, session, 9, 50)
    assert chains_of(session, person) == []  # before her time: nothing
    for hour, minute in ((10, 5), (10, 20), (10, 35), (13, 0)):
        sweep_at(tasks, session, hour, minute)
    assert len(chains_of(session, person)) == 1  # however many rounds
    reminder = outbox_of(session, "checkin_reminder")
    assert [(m.recipient_kind, m.recipient_id, m.alert) for m in reminder] == [("resident", person.id, True)]
    # The chain goes on like a help call's: nobody answers, so her daughter and the grid worker hear.
    clock.freeze(at_local(10, 9))
    session.commit()
    tasks.help_round.call_local()
    assert sorted(m.recipient_kind for m in outbox_of(session, "checkin_missed")) == ["contact", "duty"]


def test_a_sign_of_life_at_nine_fifty_nine_starts_none(app, session, alone_with_plan):
    from webapp.domain.kiosk.care import check_in
    from webapp.domain.privacy.audit import Actor

    person, tasks = alone_with_plan, queue_of(app)
    clock.freeze(at_local(9, 59))
    check_in(session, Actor(type="resident", id=person.id), person, "phone")
    for hour, minute in ((10, 5), (10, 20), (16, 0)):
        sweep_at(tasks, session, hour, minute)
    assert chains_of(session, person) == []
    assert outbox_of(session, "checkin_reminder") == []


def test_away_dates_start_none(app, session, alone_with_plan):
    from webapp.domain.privacy.audit import SYSTEM
    from webapp.domain.safety import checkin

    person, tasks = alone_with_plan, queue_of(app)
    today = at_local(8, 0).date()
    checkin.set_plan(session, SYSTEM, person, "10:00", consent=True, away_from=today, away_until=today)
    for hour, minute in ((10, 5), (12, 0)):
        sweep_at(tasks, session, hour, minute)
    assert chains_of(session, person) == []


def test_a_check_in_after_the_reminder_stops_the_chain(app, session, alone_with_plan):
    from webapp.domain.kiosk.care import check_in
    from webapp.domain.privacy.audit import Actor

    person, tasks = alone_with_plan, queue_of(app)
    sweep_at(tasks, session, 10, 5)
    clock.freeze(at_local(10, 6))
    check_in(session, Actor(type="resident", id=person.id), person, "kiosk:1")  # she got the text and tapped
    clock.freeze(at_local(10, 9))
    session.commit()
    tasks.help_round.call_local()
    [call] = chains_of(session, person)
    assert call.outcome == "checked_in"
    assert outbox_of(session, "checkin_missed") == []
