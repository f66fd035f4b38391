"""PIN throttle and hard lock (per card, per device, in the database), cards and hand-offs.

Each test builds the residents it needs in an empty database (tests/factories.py): no demo, no app."""

import pytest

from tests import factories
from webapp.domain.identity.cards import (
    CardRefused,
    card_for_scan,
    card_for_token,
    issue_card,
    token_from_scan,
)
from webapp.domain.identity.handoff import HandoffRefused, consume_handoff, create_handoff
from webapp.domain.identity.pins import (
    HARD_LOCK_AFTER,
    PinOutcome,
    WeakPin,
    card_key_for,
    device_key,
    set_pin,
    unlock,
    verify_pin,
)
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import AuditEntry, Resident

PIN = "482915"


@pytest.fixture
def session(blank_session):
    """This module's tests need a resident or two, not the demo: the blank database."""
    return blank_session


@pytest.fixture
def make_resident(session):
    place = factories.community(session)

    def make(name: str, age: int) -> Resident:
        return factories.resident(session, place, name, age)

    return make


@pytest.fixture
def resident(make_resident, session):
    person = make_resident("林阿婆", age=84)
    set_pin(session, SYSTEM, person, PIN)
    session.commit()
    return person


def attempt(session, resident, pin, card="card-a", device="kiosk-1"):
    result = verify_pin(
        session,
        SYSTEM,
        resident,
        pin,
        card_key_for(resident, card),
        device_key("kiosk", device),
        end_transaction=session.commit,
    )
    session.commit()
    return result


@pytest.mark.parametrize("pin", ["12345", "1234567", "12a456", "000000", "123456", "987654", "１２３４５６"])
def test_weak_or_malformed_pins_are_refused(session, resident, pin):
    with pytest.raises(WeakPin):
        set_pin(session, SYSTEM, resident, pin)


def test_pin_is_hashed(resident):
    assert resident.pin_hash.startswith("$argon2id$")
    assert PIN not in resident.pin_hash


def test_right_pin(session, resident, frozen):
    assert attempt(session, resident, PIN).outcome == PinOutcome.OK


def test_five_failures_per_card_in_fifteen_minutes_then_wait(session, resident, frozen):
    outcomes = [attempt(session, resident, "000001", device=f"d{i}").outcome for i in range(5)]
    assert outcomes[:4] == [PinOutcome.WRONG] * 4
    assert outcomes[4] == PinOutcome.THROTTLED
    # Even the right PIN, from a new device, waits: the card is throttled.
    blocked = attempt(session, resident, PIN, device="new-device")
    assert blocked.outcome == PinOutcome.THROTTLED
    assert blocked.retry_at == frozen.now + __import__("datetime").timedelta(minutes=15)
    frozen.advance(minutes=15, seconds=1)
    assert attempt(session, resident, PIN, device="new-device").outcome == PinOutcome.OK


def test_another_card_is_not_throttled_by_this_one(session, resident, make_resident, frozen):
    other = make_resident("赵阿公", age=81)
    set_pin(session, SYSTEM, other, PIN)
    for i in range(5):
        attempt(session, resident, "000001", card="card-a", device=f"d{i}")
    assert attempt(session, other, PIN, card="card-b", device="elsewhere").outcome == PinOutcome.OK


def test_five_failures_per_device_block_that_device_only(session, resident, make_resident, frozen):
    others = [make_resident(f"居民{i}", age=70) for i in range(5)]
    for i, person in enumerate(others):
        set_pin(session, SYSTEM, person, PIN)
        attempt(session, person, "000001", card=f"c{i}", device="busy-kiosk")
    assert attempt(session, resident, PIN, card="card-a", device="busy-kiosk").outcome == PinOutcome.THROTTLED
    assert attempt(session, resident, PIN, card="card-a", device="quiet-kiosk").outcome == PinOutcome.OK


def test_hard_lock_after_ten_consecutive_failures_until_staff_unlock(session, resident, frozen):
    outcomes = []
    for i in range(HARD_LOCK_AFTER):
        outcomes.append(attempt(session, resident, "000001", device=f"d{i}").outcome)
        frozen.advance(minutes=4)  # slow enough never to be throttled
    assert outcomes[-1] == PinOutcome.LOCKED
    assert PinOutcome.THROTTLED not in outcomes
    frozen.advance(days=2)
    assert attempt(session, resident, PIN).outcome == PinOutcome.LOCKED  # time alone does not unlock
    assert session.query(AuditEntry).filter_by(action="pin.lock", subject_id=resident.id).count() == 1
    unlock(session, SYSTEM, resident)
    session.commit()
    assert session.query(AuditEntry).filter_by(action="pin.unlock", subject_id=resident.id).count() == 1
    assert attempt(session, resident, PIN).outcome == PinOutcome.OK


def test_success_resets_the_consecutive_count(session, resident, frozen):
    for i in range(HARD_LOCK_AFTER - 1):
        attempt(session, resident, "000001", device=f"d{i}")
        frozen.advance(minutes=4)
    assert attempt(session, resident, PIN).outcome == PinOutcome.OK
    frozen.advance(minutes=20)
    assert attempt(session, resident, "000001").outcome == PinOutcome.WRONG


def test_card_issue_revoke_and_scan(session, make_resident):
    person = make_resident("钱奶奶", age=88)
    first = issue_card(session, SYSTEM, person)
    session.commit()
    assert card_for_token(session, first.token).resident_id == person.id
    assert first.card.token_hash != first.token
    assert token_from_scan(f"]Q1https://x.example/c/{first.token}\n") == first.token
    assert card_for_scan(session, first.url("https://x.example")).id == first.card.id
    version = person.auth_version
    second = issue_card(session, SYSTEM, person)  # reissue: the old card stops at once
    session.commit()
    with pytest.raises(CardRefused) as caught:
        card_for_token(session, first.token)
    assert caught.value.reason == "revoked"
    assert person.auth_version == version + 1
    assert card_for_token(session, second.token).id == second.card.id
    with pytest.raises(CardRefused):
        card_for_scan(session, "hello world")
    actions = [e.action for e in session.query(AuditEntry).filter_by(subject_id=person.id)]
    assert actions.count("card.issue") == 1
    assert actions.count("card.reissue") == 1


def test_handoff_is_single_use_and_expires(session, make_resident, frozen):
    person = make_resident("孙爷爷", age=90)
    token = create_handoff(session, SYSTEM, person)
    session.commit()
    assert consume_handoff(session, token).id == person.id
    session.commit()
    with pytest.raises(HandoffRefused) as used:
        consume_handoff(session, token)
    assert used.value.reason == "used"
    late = create_handoff(session, SYSTEM, person)
    session.commit()
    frozen.advance(minutes=2, seconds=1)
    with pytest.raises(HandoffRefused) as expired:
        consume_handoff(session, late)
    assert expired.value.reason == "expired"
    with pytest.raises(HandoffRefused):
        consume_handoff(session, "no-such-token-at-all-000")
