"""Throttles against guessing: pairing codes, card and hand-off links, certificate codes, staff passwords.

One set of rules, two places to count (a setting chooses; `webapp/shared/throttles.py` builds the store):

- `DatabaseStore` (one box, SQLite or PostgreSQL): failures are `AuthAttempt` rows, the table the PIN throttle
  already uses, so limits hold across workers; they commit with the request.
- `RedisStore` (a district with several app servers): a sorted set of failure times per key, so limits hold
  across servers without a shared database write per guess.

Every key is hashed (no address or username is stored in clear). A rule counts failures per key within its
window; a success resets the key. A rule that `blocks` answers "wait" once `limit` failures are counted
(with a wait that doubles with each further failure when it `grows`); a rule that only `warns` never
blocks (a shared office address must not lock colleagues out) but, like every rule, raises a burst: an audit
row and a log warning the moment its limit is reached, which the staff console shows admins.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import AuditEntry, AuthAttempt

log = logging.getLogger("linli.security")

RULE_MARK = "throttle"  # AuthAttempt.device_key of a throttle's rows (PIN rows carry a device hash there)


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int  # failures counted before the rule acts
    window: timedelta  # how long a failure is remembered
    blocks: bool = True
    first_wait: timedelta | None = (
        None  # growing: the wait after `limit` failures, doubled for each further one
    )
    max_wait: timedelta = timedelta(hours=1)

    def wait_after(self, count: int, first: datetime, last: datetime) -> datetime | None:
        """When the next try is allowed after *count* failures (the oldest at *first*, newest at *last*)."""
        if not self.blocks or count < self.limit:
            return None
        if self.first_wait is None:
            return first + self.window
        doubled = self.first_wait * (2 ** min(count - self.limit, 20))
        return last + min(doubled, self.max_wait)


# Pairing codes are 8 of 31 characters and live 30 minutes: 10 misses per address, 30 per everyone.
PAIRING_BY_ADDRESS = Rule("pairing.address", 10, timedelta(minutes=15))
PAIRING_ALL = Rule("pairing.all", 30, timedelta(minutes=15))
# Card, hand-off and certificate links carry 128+ random bits: guessing cannot work, but it must be noticed,
# and an address that keeps trying is slowed. The route-wide count only warns (it would let one person lock
# every resident's card out).
LINK_BY_ADDRESS = Rule("link.address", 20, timedelta(minutes=15))
LINK_ALL = Rule("link.all", 200, timedelta(minutes=15), blocks=False)
# Staff passwords: the pair (address, username) waits 30 s after 5 misses, doubling to 15 minutes; the
# username from unknown browsers waits a minute after 10, doubling to an hour (under 40 guesses a day in all);
# an address only warns, so a shared office is never locked out by one person's typos.
SIGN_IN_PAIR = Rule(
    "sign_in.pair", 5, timedelta(hours=24), first_wait=timedelta(seconds=30), max_wait=timedelta(minutes=15)
)
SIGN_IN_USER = Rule(
    "sign_in.user", 10, timedelta(hours=24), first_wait=timedelta(minutes=1), max_wait=timedelta(hours=1)
)
SIGN_IN_ADDRESS = Rule("sign_in.address", 20, timedelta(minutes=15), blocks=False)


def key(rule: Rule, *parts: str) -> str:
    """The stored key of *rule* for *parts* (an address, a username): hashed, never in clear."""
    return hashlib.sha256("\x1f".join((rule.name, *parts)).encode()).hexdigest()


@dataclass(frozen=True)
class Count:
    failures: int
    first: datetime | None
    last: datetime | None


class Store(Protocol):
    def count(self, key: str, since: datetime) -> Count: ...
    def fail(self, key: str, at: datetime, window: timedelta) -> None: ...
    def reset(self, key: str, at: datetime) -> None: ...


class DatabaseStore:
    """Failures as AuthAttempt rows (card_key = the hashed key); a success row resets the count."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self, key: str, since: datetime) -> Count:
        reset_at = self.session.scalar(
            select(func.max(AuthAttempt.at)).where(AuthAttempt.card_key == key, AuthAttempt.success.is_(True))
        )
        if reset_at is not None and reset_at.replace(tzinfo=since.tzinfo) > since:
            since = reset_at.replace(tzinfo=since.tzinfo)
        row = self.session.execute(
            select(func.count(AuthAttempt.id), func.min(AuthAttempt.at), func.max(AuthAttempt.at)).where(
                AuthAttempt.card_key == key, AuthAttempt.success.is_(False), AuthAttempt.at > since
            )
        ).one()
        first, last = (t.replace(tzinfo=since.tzinfo) if t is not None else None for t in (row[1], row[2]))
        return Count(int(row[0]), first, last)

    def fail(self, key: str, at: datetime, window: timedelta) -> None:
        self.session.add(AuthAttempt(card_key=key, device_key=RULE_MARK, success=False, at=at))
        self.session.flush()

    def reset(self, key: str, at: datetime) -> None:
        self.session.add(AuthAttempt(card_key=key, device_key=RULE_MARK, success=True, at=at))
        self.session.flush()


class RedisStore:
    """Failures as a sorted set of times per key, expiring with the window; a success deletes the key."""

    PREFIX = "linli:throttle:"

    def __init__(self, client: Any) -> None:
        self.client = client

    def count(self, key: str, since: datetime) -> Count:
        name = self.PREFIX + key
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(name, "-inf", f"({since.timestamp()}")
        pipe.zrange(name, 0, 0, withscores=True)
        pipe.zrange(name, -1, -1, withscores=True)
        pipe.zcard(name)
        _removed, first, last, total = pipe.execute()
        tz = since.tzinfo
        return Count(
            int(total),
            datetime.fromtimestamp(first[0][1], tz) if first else None,
            datetime.fromtimestamp(last[0][1], tz) if last else None,
        )

    def fail(self, key: str, at: datetime, window: timedelta) -> None:
        name = self.PREFIX + key
        pipe = self.client.pipeline()
        pipe.zadd(name, {f"{at.timestamp()}:{uuid.uuid4().hex[:8]}": at.timestamp()})
        pipe.expire(name, int(window.total_seconds()) + 60)
        pipe.execute()

    def reset(self, key: str, at: datetime) -> None:
        self.client.delete(self.PREFIX + key)


@dataclass(frozen=True)
class Check:
    """One rule applied to one target: the rule, the stored key, and what to say in the audit row."""

    rule: Rule
    key: str
    subject_type: str | None = None
    subject_id: int | None = None
    community_id: int | None = None


def retry_at(store: Store, checks: list[Check]) -> datetime | None:
    """When the latest-waiting blocking check allows another try, or None when every one allows it now."""
    now = clock.now()
    worst: datetime | None = None
    for check in checks:
        if not check.rule.blocks:
            continue
        count = store.count(check.key, now - check.rule.window)
        if count.first is None or count.last is None:
            continue
        until = check.rule.wait_after(count.failures, count.first, count.last)
        if until is not None and until > now and (worst is None or until > worst):
            worst = until
    return worst


def failed(session: Session, store: Store, checks: list[Check], channel: str) -> list[Check]:
    """Count a failure for every check; the ones that just reached their limit are bursts, audited and
    logged (the session's transaction carries the audit rows, committed by the caller)."""
    now = clock.now()
    bursts = []
    for check in checks:
        store.fail(check.key, now, check.rule.window)
        if store.count(check.key, now - check.rule.window).failures == check.rule.limit:
            bursts.append(check)
            record(
                session,
                Actor(type="system", name="throttle", channel=channel),
                "security.burst",
                check.subject_type,
                check.subject_id,
                check.community_id,
                result="warning",
                rule=check.rule.name,
                failures=check.rule.limit,
                within_minutes=int(check.rule.window.total_seconds() // 60),
            )
            log.warning(
                "burst of failures: rule %s reached %d within %s (channel %s, %s %s)",
                check.rule.name,
                check.rule.limit,
                check.rule.window,
                channel,
                check.subject_type or "-",
                check.subject_id or "-",
            )
    return bursts


def succeeded(store: Store, checks: list[Check]) -> None:
    now = clock.now()
    for check in checks:
        store.reset(check.key, now)


def seconds_until(moment: datetime) -> int:
    return max(1, int((moment - clock.now()).total_seconds() + 0.999))


WARNINGS_FOR = timedelta(days=3)


def security_warnings(
    session: Session, staff_id: int, audit_community_ids: set[int], limit: int = 10
) -> list[AuditEntry]:
    """Recent bursts a staff member should see: the ones about their own account, and, for those who may
    read the audit trail, the ones in their communities or not tied to any (pairing, links)."""
    about_me = (AuditEntry.subject_type == "staff_user") & (AuditEntry.subject_id == staff_id)
    condition: ColumnElement[bool] = about_me
    if audit_community_ids:
        condition = or_(
            about_me,
            AuditEntry.community_id.in_(audit_community_ids),
            AuditEntry.community_id.is_(None),
        )
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.action == "security.burst", AuditEntry.at >= clock.now() - WARNINGS_FOR, condition
            )
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )
