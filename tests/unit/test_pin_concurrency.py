"""Many wrong PINs for one card sent at the same moment: the throttle still lets only five through.

Real commits from many threads against a database of its own (PostgreSQL in CI's second pass, where the
resident's row lock is what orders the guesses; SQLite serialises writers itself).
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.unit.test_booking_concurrency import fresh  # noqa: F401 (a fixture: a demo database of its own)
from webapp.domain.identity.pins import MAX_IN_WINDOW, PinOutcome, device_key, set_pin, verify_pin
from webapp.domain.privacy.audit import Actor
from webapp.models import AuthAttempt, Resident

GUESSES = 20


def test_a_burst_of_wrong_pins_is_throttled_after_five(fresh):  # noqa: F811
    with Session(fresh) as session:
        community_id = session.scalar(select(Resident.community_id).limit(1))
        resident = Resident(community_id=community_id, name="并发")
        session.add(resident)
        session.flush()
        set_pin(session, Actor(type="resident", id=resident.id), resident, "482915")
        session.commit()
        resident_id = resident.id
    card_key = f"burst-card-{resident_id}"
    start = threading.Barrier(GUESSES)
    outcomes: list[PinOutcome] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        with Session(fresh, expire_on_commit=False) as session:
            person = session.get(Resident, resident_id)
            session.commit()
            start.wait(timeout=30)
            result = verify_pin(
                session,
                Actor(type="system", channel="test"),
                person,
                f"{100000 + n}",
                card_key,
                device_key("ip", f"10.0.0.{n}"),  # many devices: only the card's throttle can stop them
                end_transaction=session.commit,
            )
            session.commit()
        with lock:
            outcomes.append(result.outcome)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcomes) == GUESSES
    with Session(fresh) as session:
        stored = session.scalar(
            select(func.count(AuthAttempt.id)).where(
                AuthAttempt.card_key == card_key, AuthAttempt.success.is_(False)
            )
        )
        failures = session.get(Resident, resident_id).pin_failures
    assert stored == MAX_IN_WINDOW
    assert failures == MAX_IN_WINDOW
    assert outcomes.count(PinOutcome.WRONG) == MAX_IN_WINDOW - 1
    assert outcomes.count(PinOutcome.THROTTLED) == GUESSES - (MAX_IN_WINDOW - 1)


def test_a_burst_of_wrong_pins_for_many_cards_from_one_device_is_throttled_after_five(fresh):  # noqa: F811
    with Session(fresh) as session:
        community_id = session.scalar(select(Resident.community_id).limit(1))
        people = [Resident(community_id=community_id, name=f"设备{n}") for n in range(GUESSES)]
        session.add_all(people)
        session.flush()
        for person in people:
            set_pin(session, Actor(type="resident", id=person.id), person, "482915")
        session.commit()
        ids = [p.id for p in people]
    device = device_key("ip", "10.9.9.9")
    start = threading.Barrier(GUESSES)

    def guess(n: int) -> None:
        with Session(fresh, expire_on_commit=False) as session:
            person = session.get(Resident, ids[n])
            session.commit()
            start.wait(timeout=30)
            verify_pin(
                session,
                Actor(type="system", channel="test"),
                person,
                "000000",
                f"card-{ids[n]}",
                device,
                end_transaction=session.commit,
            )
            session.commit()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with Session(fresh) as session:
        stored = session.scalar(
            select(func.count(AuthAttempt.id)).where(
                AuthAttempt.device_key == device, AuthAttempt.success.is_(False)
            )
        )
    assert stored == MAX_IN_WINDOW
