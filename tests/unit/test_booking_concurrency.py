"""Bookings under load: many people pressing "book" at the same moment never overbook a slot.

This runs against its own database with real commits from many threads (on PostgreSQL in CI's second pass,
where row locks and READ COMMITTED re-checks are what keep the count right; on SQLite, BEGIN IMMEDIATE).
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PASSWORD, DEMO_PIN, TODAY, VAULT
from webapp import clock, migrations
from webapp.db import make_engine
from webapp.domain.audit import Actor
from webapp.domain.catalog import AnswerErrors
from webapp.domain.demo import seed_demo
from webapp.domain.tickets import submit
from webapp.models import Booking, Resident, ServiceType, Slot

PEOPLE = 50
PLACES = 10


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    from tests.conftest import DatabaseFactory

    factory = DatabaseFactory(tmp_path_factory.mktemp("concurrency"))
    url = factory.new("bookings")
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        engine.dispose()
        from sqlalchemy import create_engine

        engine = create_engine(url, pool_size=PEOPLE, max_overflow=5)
    migrations.upgrade(engine)
    with Session(engine) as session:
        seed_demo(session, DEMO_PASSWORD, TODAY, VAULT, DEMO_PIN)
        session.commit()
    yield engine
    engine.dispose()
    factory.drop_all()


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
