"""The resident PIN: six digits, a second factor only, never alone.

Throttled per card and per device (5 failures in 15 minutes) and hard-locked after 10 consecutive
failures until staff unlock. Attempts live in the database, so the limits hold across workers.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from webapp.domain import DomainError
from webapp.domain.identity.vault import token_hash
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.infra.heavy import heavy_slot
from webapp.models import AuthAttempt, Resident

PIN_LENGTH = 6
WINDOW = timedelta(minutes=15)
MAX_IN_WINDOW = 5
HARD_LOCK_AFTER = 10

# A PIN is short: hashing it with argon2 matters more than the cost, but a kiosk must answer quickly.
_pin_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class WeakPin(DomainError):
    code = "weak_pin"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "format", "simple"


class PinOutcome(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    THROTTLED = "throttled"
    LOCKED = "locked"
    NOT_SET = "not_set"


@dataclass(frozen=True)
class PinResult:
    outcome: PinOutcome
    tries_left: int = 0
    retry_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == PinOutcome.OK


def check_pin_rules(pin: str) -> None:
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise WeakPin("format")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}):
        raise WeakPin("simple")  # 000000, 123456, 987654


def set_pin(session: Session, actor: Actor, resident: Resident, pin: str) -> None:
    check_pin_rules(pin)
    with heavy_slot():
        resident.pin_hash = _pin_hasher.hash(pin)
    resident.pin_failures = 0
    resident.auth_version += 1  # phone sessions opened with the old PIN end
    session.flush()
    record(session, actor, "pin.set", "resident", resident.id, resident.community_id)


def device_key(kind: str, value: str) -> str:
    """A stable, non-identifying key for a device: `kiosk:3`, `cookie:<random>`, `ip:<address>`."""
    return token_hash(f"{kind}:{value}")


def card_key_for(resident: Resident, card_token_hash: str | None) -> str:
    return card_token_hash or token_hash(f"resident:{resident.id}")


def _failures_since(
    session: Session, column: InstrumentedAttribute[str | None], key: str, since: datetime
) -> tuple[int, datetime | None]:
    row = session.execute(
        select(func.count(AuthAttempt.id), func.min(AuthAttempt.at)).where(
            column == key, AuthAttempt.success.is_(False), AuthAttempt.at >= since
        )
    ).one()
    return int(row[0]), row[1]


def throttle_state(session: Session, card_key: str, device: str) -> datetime | None:
    """When the card or the device may try again, or None when it may try now."""
    now = clock.now()
    worst: datetime | None = None
    for column, key in ((AuthAttempt.card_key, card_key), (AuthAttempt.device_key, device)):
        count, oldest = _failures_since(session, column, key, now - WINDOW)
        if count >= MAX_IN_WINDOW and oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
            retry = oldest + WINDOW
            worst = retry if worst is None or retry > worst else worst
    return worst


def _lock_device(session: Session, device: str) -> None:
    """A transaction-long lock per device (PostgreSQL advisory lock), for the per-device throttle."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(device.encode()).digest()[:8], "big", signed=True)
        session.execute(select(func.pg_advisory_xact_lock(key)))


def _matches(pin_hash: str, pin: str) -> bool:
    try:
        if len(pin) != PIN_LENGTH:
            return False
        with heavy_slot():
            return _pin_hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def verify_pin(
    session: Session,
    actor: Actor,
    resident: Resident,
    pin: str,
    card_key: str,
    device: str,
    *,
    end_transaction: Callable[[], None],
) -> PinResult:
    """Check a PIN under the throttle and the hard lock; every failure is stored and counted.

    The slow argon2 check runs outside any transaction: *end_transaction* (the caller's unit of work: `keep`
    in a request, a commit in a job or a test) ends what the caller's transaction holds; this function answers
    what a read can answer, checks the hash holding no lock, and only then takes the locks and reads
    everything again. On SQLite a writing request holds the database's one write lock for its whole
    transaction: 300 phones signing in at once queued behind each other's hashing until the 5 s busy timeout
    answered "database is locked" (benchmarks/lobby_load.py).

    Under the locks, the device, then the resident's row, are locked (and the counters re-read), so that
    guesses sent at the same moment are counted one after another: without it each would see "fewer than
    five failures" before any failure is stored (PostgreSQL, READ COMMITTED; on SQLite the write lock
    serialises them). A hash result is used only if the throttle still allows this try at that moment, so
    checking it early lets parallel guesses learn nothing more. Always device first, then resident, and one
    of each: no two requests can wait for each other in a circle.
    """
    if resident.locked_at is not None:
        return PinResult(PinOutcome.LOCKED)
    if not resident.pin_hash:
        return PinResult(PinOutcome.NOT_SET)
    retry_at = throttle_state(session, card_key, device)
    if retry_at is not None:
        return PinResult(PinOutcome.THROTTLED, retry_at=retry_at)
    checked_hash = resident.pin_hash
    end_transaction()  # no lock is held while argon2 works
    ok = _matches(checked_hash, pin)
    _lock_device(session, device)
    session.refresh(resident, attribute_names=["locked_at", "pin_failures", "pin_hash"], with_for_update=True)
    if resident.locked_at is not None:
        return PinResult(PinOutcome.LOCKED)
    if not resident.pin_hash:
        return PinResult(PinOutcome.NOT_SET)
    retry_at = throttle_state(session, card_key, device)
    if retry_at is not None:
        return PinResult(PinOutcome.THROTTLED, retry_at=retry_at)
    if resident.pin_hash != checked_hash:  # changed meanwhile: check the new one (rare, under the lock)
        ok = _matches(resident.pin_hash, pin)
    session.add(AuthAttempt(card_key=card_key, device_key=device, success=ok, at=clock.now()))
    if ok:
        resident.pin_failures = 0
        session.flush()
        return PinResult(PinOutcome.OK)
    resident.pin_failures += 1
    if resident.pin_failures >= HARD_LOCK_AFTER:
        resident.locked_at = clock.now()
        session.flush()
        record(session, actor, "pin.lock", "resident", resident.id, resident.community_id, result="denied")
        return PinResult(PinOutcome.LOCKED)
    session.flush()
    left_in_window = (
        MAX_IN_WINDOW - _failures_since(session, AuthAttempt.card_key, card_key, clock.now() - WINDOW)[0]
    )
    left = max(0, min(left_in_window, HARD_LOCK_AFTER - resident.pin_failures))
    if left == 0:
        return PinResult(PinOutcome.THROTTLED, retry_at=throttle_state(session, card_key, device))
    return PinResult(PinOutcome.WRONG, tries_left=left)


def unlock(session: Session, actor: Actor, resident: Resident) -> None:
    resident.locked_at = None
    resident.pin_failures = 0
    session.flush()
    record(session, actor, "pin.unlock", "resident", resident.id, resident.community_id)
