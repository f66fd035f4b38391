"""Bookings under load: many people pressing "book" at the same moment never overbook a slot.

This runs against its own database with real commits from many threads (on PostgreSQL in CI's second pass,
where row locks and READ COMMITTED re-checks are what keep the count right; on SQLite, BEGIN IMMEDIATE).
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.domain.desk.catalog import AnswerErrors
from webapp.domain.desk.tickets import submit
from webapp.domain.privacy.audit import Actor
from webapp.infra import clock
from webapp.infra.db import make_engine
from webapp.models import Booking, Resident, ServiceType, Slot

PEOPLE = 50
PLACES = 10


@pytest.fixture(scope="module")
def fresh(databases):
    url = databases.seeded("bookings")
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        engine.dispose()
        from sqlalchemy import create_engine

        engine = create_engine(url, pool_size=PEOPLE, max_overflow=5)
    yield engine
    engine.dispose()


def test_fifty_people_ten_places_exactly_ten_bookings(fresh):
    clock.freeze(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
    try:
        with Session(fresh) as session:
            service = session.scalar(select(ServiceType).where(ServiceType.code == "health-check"))
            slot = Slot(
                service_type_id=service.id,
                starts_at=clock.now() + timedelta(days=2),
                minutes=30,
                place="Health station",
                capacity=PLACES,
                booked=0,
            )
            session.add(slot)
            people_rows = [
                Resident(community_id=service.community_id, name=f"排队{n}") for n in range(PEOPLE)
            ]
            session.add_all(people_rows)
            session.commit()
            people = [p.id for p in people_rows]
            slot_id, service_id = slot.id, service.id
        assert len(people) == PEOPLE
        start = threading.Barrier(PEOPLE)  # everyone presses at once
        outcomes: list[str] = []
        lock = threading.Lock()

        def book(resident_id: int) -> None:
            with Session(fresh, expire_on_commit=False) as session:
                resident = session.get(Resident, resident_id)
                service = session.get(ServiceType, service_id)
                session.commit()  # end the read: on SQLite every transaction holds the write lock
                start.wait(timeout=30)
                try:
                    submit(
                        session,
                        Actor(type="resident", id=resident_id),
                        resident,
                        service,
                        {"slot": str(slot_id)},
                        "phone",
                    )
                    session.commit()
                    result = "booked"
                except AnswerErrors as exc:
                    session.rollback()
                    result = exc.errors["slot"]
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=book, args=(p,)) for p in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(set(outcomes)) == ["booked", "full"]
        assert outcomes.count("booked") == PLACES
        assert outcomes.count("full") == PEOPLE - PLACES
        with Session(fresh) as session:
            assert session.get(Slot, slot_id).booked == PLACES
            assert session.scalar(select(func.count(Booking.id)).where(Booking.slot_id == slot_id)) == PLACES
    finally:
        clock.freeze(None)


def test_event_places_and_waiting_list_under_concurrent_sign_ups_and_cancellations(fresh):
    """The waiting-list rules shared by events and classes (webapp.domain.life.occasions) under a rush: thirty
    people sign up for five places at once, then the five with places all cancel at once; the five who waited
    longest move up, each exactly once, and there are never more than five places taken."""
    from webapp.domain.life import events
    from webapp.models import Event, EventSignup, Notification, SignupStatus

    clock.freeze(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
    try:
        with Session(fresh) as session:
            community_id = session.scalar(select(ServiceType.community_id))
            event = Event(
                community_id=community_id,
                titles={"en": "Dumplings"},
                place="Hall",
                starts_at=clock.now() + timedelta(days=3),
                ends_at=clock.now() + timedelta(days=3, hours=2),
                capacity=5,
            )
            rows = [Resident(community_id=community_id, name=f"活动{n}") for n in range(30)]
            session.add_all([event, *rows])
            session.commit()
            event_id, people = event.id, [p.id for p in rows]

        def rush(action, ids: list[int]) -> None:
            start = threading.Barrier(len(ids))

            def one(resident_id: int) -> None:
                with Session(fresh, expire_on_commit=False) as session:
                    resident = session.get(Resident, resident_id)
                    occasion = session.get(Event, event_id)
                    session.commit()
                    start.wait(timeout=30)
                    action(session, Actor(type="resident", id=resident_id), occasion, resident)
                    session.commit()

            threads = [threading.Thread(target=one, args=(i,)) for i in ids]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)

        rush(lambda s, a, e, r: events.signup(s, a, e, r, "phone"), people)
        with Session(fresh) as session:
            rows = session.scalars(select(EventSignup).where(EventSignup.event_id == event_id)).all()
            booked = [r.resident_id for r in rows if r.status == SignupStatus.BOOKED]
            waiting = sorted(
                (r for r in rows if r.status == SignupStatus.WAITING), key=lambda r: (r.queued_at, r.id)
            )
            assert len(booked) == 5
            assert len(waiting) == 25
            first_waiting = {r.resident_id for r in waiting[:5]}
        rush(events.cancel, booked)
        with Session(fresh) as session:
            rows = session.scalars(select(EventSignup).where(EventSignup.event_id == event_id)).all()
            now_booked = {r.resident_id for r in rows if r.status == SignupStatus.BOOKED}
            assert now_booked == first_waiting
            told = session.scalars(
                select(Notification.resident_id).where(
                    Notification.kind == "event_place", Notification.detail == str(event_id)
                )
            ).all()
            assert sorted(told) == sorted(first_waiting)  # each told once
    finally:
        clock.freeze(None)


def test_two_call_offs_at_once_tell_each_person_once(fresh):
    from webapp.domain.training import courses
    from webapp.models import Course, Notification, TrainingSession

    clock.freeze(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
    try:
        with Session(fresh) as session:
            course = session.scalars(select(Course)).first()
            ts = courses.save_session(
                session,
                Actor(type="system"),
                course,
                None,
                {"place": "Room", "starts_at": clock.now() + timedelta(days=1), "minutes": 60, "capacity": 2},
            )
            people = [Resident(community_id=course.community_id, name=f"课{n}") for n in range(4)]
            session.add_all(people)
            session.flush()
            for person in people:
                courses.signup(session, Actor(type="system"), ts, person, "phone")
            session.commit()
            ts_id = ts.id
        start = threading.Barrier(2)

        def call_off() -> None:
            with Session(fresh, expire_on_commit=False) as session:
                occasion = session.get(TrainingSession, ts_id)
                session.commit()
                start.wait(timeout=30)
                courses.call_off(session, Actor(type="system"), occasion)
                session.commit()

        threads = [threading.Thread(target=call_off) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        with Session(fresh) as session:
            told = session.scalars(
                select(Notification.resident_id).where(
                    Notification.kind == "class_cancelled", Notification.detail == str(ts_id)
                )
            ).all()
        assert len(told) == 4
        assert len(set(told)) == 4
    finally:
        clock.freeze(None)
