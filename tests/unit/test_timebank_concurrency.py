"""Spending hours under load: many taps at the same moment never overdraw an account.

This runs against its own database with real commits from many threads (on PostgreSQL in CI's second pass,
where the payer's row lock makes the balance check and the new entries one step; on SQLite, BEGIN IMMEDIATE).
Each thread reads what it needs and commits before the barrier, so on SQLite no thread holds the write lock
while the others wait to start.
"""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from webapp.domain.life import timebank
from webapp.domain.privacy.audit import Actor
from webapp.infra import clock
from webapp.infra.db import make_engine
from webapp.models import LocalService, PlaceKind, Resident, TimeEntry

TAPS = 24
BALANCE = 10  # half-hours: five hours
EACH = 2  # one hour a tap: only five taps can succeed


@pytest.fixture(scope="module")
def fresh(databases):
    url = databases.seeded("timebank")
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        engine.dispose()
        engine = create_engine(url, pool_size=TAPS, max_overflow=5)
    yield engine
    engine.dispose()


def test_concurrent_spends_cannot_overdraw(fresh):
    clock.freeze(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))
    try:
        office = Actor(type="staff", name="office")
        with Session(fresh) as session:
            person = Resident(
                community_id=session.scalar(select(LocalService.community_id).limit(1)), name="抢购"
            )
            session.add(person)
            session.flush()
            place = LocalService(
                community_id=person.community_id,
                kind=PlaceKind.CANTEEN,
                names={"zh_Hans": "食堂"},
                address="1 号",
                hours=[],
                accepts_hours=True,
            )
            session.add(place)
            timebank.set_welcome(session, office, person.community_id, BALANCE)
            account = timebank.open_account(session, office, person)
            session.commit()
            person_id, place_id, account_id = person.id, place.id, account.id
        start = threading.Barrier(TAPS)
        outcomes: list[str] = []
        lock = threading.Lock()

        def tap() -> None:
            with Session(fresh, expire_on_commit=False) as session:
                resident = session.get(Resident, person_id)
                service = session.get(LocalService, place_id)
                session.commit()  # end the read: on SQLite every transaction holds the write lock
                start.wait(timeout=30)
                try:
                    timebank.spend(session, Actor(type="resident", id=person_id), resident, service, EACH)
                    session.commit()
                    result = "paid"
                except timebank.TimeBankError as exc:
                    session.rollback()
                    result = exc.reason
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=tap) for _ in range(TAPS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(outcomes) == TAPS
        assert outcomes.count("paid") == BALANCE // EACH
        assert outcomes.count("overdrawn") == TAPS - BALANCE // EACH
        with Session(fresh) as session:
            assert timebank.balance(session, account_id) == 0
            totals = session.execute(
                select(func.sum(TimeEntry.half_hours)).group_by(TimeEntry.transaction_id)
            ).scalars()
            assert set(totals) == {0}
    finally:
        clock.freeze(None)
