"""The time bank (时间银行): hours given to neighbours are counted, and can be spent or given to family.

A double-entry ledger in half-hours: every movement is one transaction whose entries add up to zero, and an
account's balance is the sum of its entries (never a stored number that could drift). Hours enter through
the community's pool account (welcome credit, approved hours), go out to local services that accept them,
or move between family members. Transactions and entries are only ever added (ORM listeners and database
triggers refuse changes); a mistake is put right by a new transaction.

No one can spend hours they do not have, however many taps arrive at once: a payment locks the payer's
account row first (SELECT … FOR UPDATE on PostgreSQL; on SQLite the writing transaction holds the write lock)
and only then sums the balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from webapp.domain import DomainError
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import (
    Community,
    LocalService,
    Resident,
    TimeAccount,
    TimeAccountKind,
    TimeBankPolicy,
    TimeEntry,
    TimeTransaction,
)

MAX_HALF_HOURS = 200  # 100 hours in one movement: more is a typing mistake
DEFAULT_WELCOME = 4  # two hours


class TimeBankError(DomainError):
    code = "time_bank"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # "bad_hours", "overdrawn", "not_family", "not_accepted", "unbalanced", "decided", "bad_kind"
        self.reason = reason


def parse_hours(text: str | None) -> int:
    """ "1.5" -> 3 half-hours. Whole or half hours only, more than zero, at most 100."""
    value = (text or "").strip().replace("，", ".").replace(",", ".")
    whole, _dot, fraction = value.partition(".")
    if (
        not whole.isascii()
        or not whole.isdigit()
        or len(whole) > 3
        or fraction not in ("", "0", "5", "00", "50")
    ):
        raise TimeBankError("bad_hours")
    half_hours = int(whole) * 2 + (1 if fraction.startswith("5") else 0)
    if not 0 < half_hours <= MAX_HALF_HOURS:
        raise TimeBankError("bad_hours")
    return half_hours


def hours_text(half_hours: int) -> str:
    """3 -> "1.5", 4 -> "2", -1 -> "-0.5"."""
    sign = "-" if half_hours < 0 else ""
    whole, half = divmod(abs(half_hours), 2)
    return f"{sign}{whole}.5" if half else f"{sign}{whole}"


def welcome_half_hours(session: Session, community_id: int) -> int:
    policy = session.scalar(select(TimeBankPolicy).where(TimeBankPolicy.community_id == community_id))
    return policy.welcome_half_hours if policy else DEFAULT_WELCOME


def set_welcome(session: Session, actor: Actor, community_id: int, half_hours: int) -> None:
    if not 0 <= half_hours <= MAX_HALF_HOURS:
        raise TimeBankError("bad_hours")
    policy = session.scalar(select(TimeBankPolicy).where(TimeBankPolicy.community_id == community_id))
    if policy is None:
        policy = TimeBankPolicy(community_id=community_id)
        session.add(policy)
    policy.welcome_half_hours, policy.updated_at = half_hours, clock.now()
    session.flush()
    record(
        session, actor, "time_bank.welcome", "community", community_id, community_id, half_hours=half_hours
    )


def _lock(session: Session, model: type[Community] | type[TimeAccount], row_id: int) -> None:
    session.execute(select(model.id).where(model.id == row_id).with_for_update())


def pool_account(session: Session, community_id: int) -> TimeAccount:
    """The community's own account, made on first use (under the community's lock, so only once)."""
    query = select(TimeAccount).where(
        TimeAccount.community_id == community_id, TimeAccount.kind == TimeAccountKind.COMMUNITY
    )
    account = session.scalar(query)
    if account is None:
        _lock(session, Community, community_id)
        account = session.scalar(query)
    if account is None:
        account = TimeAccount(
            community_id=community_id, kind=TimeAccountKind.COMMUNITY, created_at=clock.now()
        )
        session.add(account)
        session.flush()
    return account


def _insert_once(session: Session, account: TimeAccount) -> TimeAccount | None:
    """Add a new account; None when someone else added the same one a moment earlier (unique constraint)."""
    try:
        with session.begin_nested():
            session.add(account)
    except IntegrityError:
        return None
    return account


def service_account(session: Session, service: LocalService) -> TimeAccount:
    query = select(TimeAccount).where(TimeAccount.local_service_id == service.id)
    account = session.scalar(query)
    if account is None:
        new = TimeAccount(
            community_id=service.community_id,
            kind=TimeAccountKind.SERVICE,
            local_service_id=service.id,
            created_at=clock.now(),
        )
        account = _insert_once(session, new) or session.scalars(query).one()
    return account


def account_of(session: Session, resident_id: int) -> TimeAccount | None:
    return session.scalar(select(TimeAccount).where(TimeAccount.resident_id == resident_id))


def balance(session: Session, account_id: int) -> int:
    return (
        session.scalar(select(func.sum(TimeEntry.half_hours)).where(TimeEntry.account_id == account_id)) or 0
    )


def balances(session: Session, account_ids: Sequence[int]) -> dict[int, int]:
    found = {i: 0 for i in account_ids}
    if account_ids:
        rows = session.execute(
            select(TimeEntry.account_id, func.sum(TimeEntry.half_hours))
            .where(TimeEntry.account_id.in_(account_ids))
            .group_by(TimeEntry.account_id)
        )
        found.update({account_id: total or 0 for account_id, total in rows})
    return found


def post(
    session: Session,
    actor: Actor,
    community_id: int,
    kind: str,
    memo: str,
    moves: list[tuple[TimeAccount, int]],
) -> TimeTransaction:
    """Write one balanced transaction; the only place the ledger grows."""
    if len(moves) < 2 or any(n == 0 for _a, n in moves) or sum(n for _a, n in moves) != 0:
        raise TimeBankError("unbalanced")
    transaction = TimeTransaction(
        community_id=community_id,
        kind=kind,
        at=clock.now(),
        actor_type=actor.type,
        actor_id=actor.id,
        memo=memo[:200],
    )
    session.add(transaction)
    session.flush()
    for account, half_hours in moves:
        session.add(TimeEntry(transaction_id=transaction.id, account_id=account.id, half_hours=half_hours))
    session.flush()
    return transaction


def open_account(session: Session, actor: Actor, resident: Resident, welcome: bool = True) -> TimeAccount:
    """A resident's account; a new volunteer's opens with the community's welcome credit."""
    account = account_of(session, resident.id)
    if account is not None:
        return account
    new = TimeAccount(
        community_id=resident.community_id,
        kind=TimeAccountKind.PERSON,
        resident_id=resident.id,
        created_at=clock.now(),
    )
    account = _insert_once(session, new)
    if account is None:  # opened at the same moment elsewhere, welcome credit and all
        return session.scalars(select(TimeAccount).where(TimeAccount.resident_id == resident.id)).one()
    credit = welcome_half_hours(session, resident.community_id) if welcome else 0
    if credit:
        pool = pool_account(session, resident.community_id)
        post(session, actor, resident.community_id, "welcome", "", [(pool, -credit), (account, credit)])
    record(session, actor, "time_bank.open", "resident", resident.id, resident.community_id)
    return account


def _check_funds(session: Session, payer: TimeAccount, half_hours: int) -> None:
    """Lock the payer's account, then make sure the hours are there (see the module docstring)."""
    if not 0 < half_hours <= MAX_HALF_HOURS:
        raise TimeBankError("bad_hours")
    _lock(session, TimeAccount, payer.id)
    if balance(session, payer.id) < half_hours:
        raise TimeBankError("overdrawn")


def spend(
    session: Session, actor: Actor, resident: Resident, service: LocalService, half_hours: int
) -> TimeTransaction:
    """Pay a local service that accepts hours (an elderly canteen meal, a housekeeping visit)."""
    if not (service.accepts_hours and service.active and service.community_id == resident.community_id):
        raise TimeBankError("not_accepted")
    payer = account_of(session, resident.id)
    if payer is None:
        raise TimeBankError("overdrawn")
    _check_funds(session, payer, half_hours)
    payee = service_account(session, service)
    moves = [(payer, -half_hours), (payee, half_hours)]
    done = post(session, actor, payer.community_id, "spend", service.name("zh_Hans"), moves)
    record(
        session,
        actor,
        "time_bank.spend",
        "resident",
        resident.id,
        resident.community_id,
        half_hours=half_hours,
    )
    return done


def family_of(session: Session, resident: Resident) -> list[Resident]:
    """People in the same flat: the family a resident may give hours to."""
    if resident.household_id is None:
        return []
    return list(
        session.scalars(
            select(Resident)
            .where(
                Resident.household_id == resident.household_id,
                Resident.id != resident.id,
                Resident.moved_out_at.is_(None),
                Resident.erased_at.is_(None),
            )
            .order_by(Resident.name, Resident.id)
        )
    )


def give(
    session: Session, actor: Actor, giver: Resident, receiver: Resident, half_hours: int
) -> TimeTransaction:
    if receiver.id not in {r.id for r in family_of(session, giver)}:
        raise TimeBankError("not_family")
    payer = account_of(session, giver.id)
    if payer is None:
        raise TimeBankError("overdrawn")
    _check_funds(session, payer, half_hours)
    payee = open_account(session, actor, receiver, welcome=False)
    done = post(session, actor, payer.community_id, "gift", "", [(payer, -half_hours), (payee, half_hours)])
    record(session, actor, "time_bank.give", "resident", giver.id, giver.community_id, to=receiver.id)
    return done


@dataclass(frozen=True)
class StatementLine:
    at: datetime
    kind: str  # welcome, earn, spend, gift
    memo: str
    half_hours: int  # into (+) or out of (-) this account
    balance: int  # after this line
    other: TimeAccount | None  # the other side (the community, a service, a family member)


@dataclass(frozen=True)
class Statement:
    account: TimeAccount
    month: date  # the first day of the month
    opening: int
    lines: list[StatementLine]
    closing: int


def month_bounds(community: Community, month: date) -> tuple[datetime, datetime]:
    """The month in the community's own time zone (a spend at 00:30 on the 1st belongs to the new month)."""
    zone = ZoneInfo(community.timezone)
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return datetime.combine(first, time(), zone), datetime.combine(following, time(), zone)


def statement(session: Session, account: TimeAccount, month: date) -> Statement:
    """One account's month: the balance it opened with, every movement in order, and the closing balance."""
    community = session.get(Community, account.community_id)
    assert community is not None  # noqa: S101 (an account always belongs to a community)
    start, end = month_bounds(community, month)
    opening = (
        session.scalar(
            select(func.sum(TimeEntry.half_hours))
            .join(TimeTransaction)
            .where(TimeEntry.account_id == account.id, TimeTransaction.at < start)
        )
        or 0
    )
    rows = session.execute(
        select(TimeEntry, TimeTransaction)
        .join(TimeTransaction)
        .where(TimeEntry.account_id == account.id, TimeTransaction.at >= start, TimeTransaction.at < end)
        .order_by(TimeTransaction.at, TimeTransaction.id)
    ).all()
    others: dict[int, TimeAccount] = {}
    if rows:
        # The other side of every line, with whose account it is (a service, a family member), in one query:
        # a busy month has dozens of lines, and a statement is read on every visit to the time bank.
        sides = session.execute(
            select(TimeEntry.transaction_id, TimeAccount)
            .join(TimeAccount, TimeEntry.account_id == TimeAccount.id)
            .options(joinedload(TimeAccount.resident), joinedload(TimeAccount.local_service))
            .where(TimeEntry.transaction_id.in_([t.id for _e, t in rows]), TimeEntry.account_id != account.id)
            .order_by(TimeEntry.id)
        )
        for transaction_id, side in sides:
            others.setdefault(transaction_id, side)
    running = opening
    lines: list[StatementLine] = []
    for entry, transaction in rows:
        running += entry.half_hours
        other = others.get(transaction.id)
        kind, memo = transaction.kind, transaction.memo
        lines.append(StatementLine(transaction.at, kind, memo, entry.half_hours, running, other))
    return Statement(account, start.date(), opening, lines, running)
