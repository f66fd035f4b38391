"""Hours volunteers give (a session led, an event helped, help given): claimed, then approved by staff.

Approval is what turns a claim into hours: one balanced transaction from the community's pool to the volunteer
(see life.timebank). A claim is decided once; a wrong approval is put right by a new transaction.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.domain.life.timebank import MAX_HALF_HOURS, TimeBankError, open_account, pool_account, post
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.register.community import local_now
from webapp.infra import clock
from webapp.models import (
    ClaimStatus,
    HourClaim,
    Resident,
    StaffRole,
    StaffUser,
    TimeTransaction,
    TrainingSession,
)

EARN_KINDS = ("session_led", "event_helped", "help_given")
CLAIM_WITHIN = timedelta(days=366)  # hours are claimed for days gone by, within about a year


def claim(
    session: Session,
    actor: Actor,
    resident: Resident,
    kind: str,
    half_hours: int,
    day: date,
    note: str = "",
    event_id: int | None = None,
    training_session_id: int | None = None,
) -> HourClaim:
    """Hours a volunteer gave, waiting for staff approval (half-hour steps)."""
    if kind not in EARN_KINDS:
        raise TimeBankError("bad_kind")
    if not 0 < half_hours <= MAX_HALF_HOURS:
        raise TimeBankError("bad_hours")
    today = local_now(resident.community).date()
    if not today - CLAIM_WITHIN <= day <= today:
        raise TimeBankError("bad_day")
    entry = HourClaim(
        community_id=resident.community_id,
        resident_id=resident.id,
        kind=kind,
        half_hours=half_hours,
        day=day,
        note=note[:500],
        event_id=event_id,
        training_session_id=training_session_id,
        created_at=clock.now(),
    )
    session.add(entry)
    session.flush()
    record(session, actor, "time_bank.claim", "resident", resident.id, resident.community_id, claim=entry.id)
    return entry


def approve(session: Session, actor: Actor, entry: HourClaim) -> TimeTransaction:
    """Approve hours: they move from the community's pool to the volunteer (whose account opens if new)."""
    if entry.status != ClaimStatus.PENDING:
        raise TimeBankError("decided")
    if actor.type == "staff" and actor.id is not None:
        approver = session.get(StaffUser, actor.id)
        if approver is not None and approver.resident_id == entry.resident_id:
            raise TimeBankError("own_claim")  # no one approves their own hours
    account = open_account(session, actor, entry.resident)
    pool = pool_account(session, entry.community_id)
    done = post(
        session,
        actor,
        entry.community_id,
        "earn",
        entry.kind,
        [(pool, -entry.half_hours), (account, entry.half_hours)],
    )
    entry.status, entry.decided_at, entry.transaction_id = ClaimStatus.APPROVED, clock.now(), done.id
    entry.decided_by_id = actor.id if actor.type == "staff" else None
    session.flush()
    record(
        session, actor, "time_bank.approve", "resident", entry.resident_id, entry.community_id, claim=entry.id
    )
    return done


def reject(session: Session, actor: Actor, entry: HourClaim) -> None:
    if entry.status != ClaimStatus.PENDING:
        raise TimeBankError("decided")
    entry.status, entry.decided_at = ClaimStatus.REJECTED, clock.now()
    entry.decided_by_id = actor.id if actor.type == "staff" else None
    session.flush()
    record(
        session, actor, "time_bank.reject", "resident", entry.resident_id, entry.community_id, claim=entry.id
    )


def pending_claims(session: Session, community_ids: frozenset[int]) -> list[HourClaim]:
    return list(
        session.scalars(
            select(HourClaim)
            .options(selectinload(HourClaim.resident))  # the office's list names each volunteer
            .where(HourClaim.community_id.in_(community_ids), HourClaim.status == ClaimStatus.PENDING)
            .order_by(HourClaim.created_at, HourClaim.id)
            .limit(200)
        )
    )


def half_hours_of(minutes: int) -> int:
    """Minutes to the nearest half hour, a quarter hour rounding up (40 minutes -> 0.5 h, 45 -> 1 h)."""
    return (max(0, minutes) + 15) // 30


def claim_class_led(
    session: Session, actor: Actor, resident: Resident, ts: TrainingSession, minutes: int
) -> HourClaim | None:
    """The time a volunteer led a class, as a claim waiting for staff approval like any other.

    Recording the minutes again changes a claim that still waits (or drops it, at zero); a decided claim is
    left as it is, because approved hours are already in the ledger and a correction is a new transaction.
    """
    half_hours = min(half_hours_of(minutes), MAX_HALF_HOURS)
    existing = session.scalar(
        select(HourClaim).where(HourClaim.resident_id == resident.id, HourClaim.training_session_id == ts.id)
    )
    if existing is not None:
        if existing.status != ClaimStatus.PENDING:
            return existing
        if half_hours == 0:
            session.delete(existing)
            session.flush()
            return None
        existing.half_hours = half_hours
        session.flush()
        return existing
    day = ts.starts_at.astimezone(local_now(resident.community).tzinfo).date()
    if half_hours == 0 or day < local_now(resident.community).date() - CLAIM_WITHIN:
        return None  # nothing to claim, or a class too long ago for the time bank (the minutes still count)
    note = ts.course.title(resident.preferred_locale or "zh_Hans")
    return claim(session, actor, resident, "session_led", half_hours, day, note, training_session_id=ts.id)


def link_volunteer(session: Session, actor: Actor, resident: Resident, user: StaffUser | None) -> None:
    """Name the resident a volunteer's console account belongs to (None: no one), so hours led are theirs."""
    current = session.scalar(select(StaffUser).where(StaffUser.resident_id == resident.id))
    if user is not None:
        serves_here = session.scalar(
            select(StaffRole.id).where(
                StaffRole.staff_user_id == user.id, StaffRole.community_id == resident.community_id
            )
        )
        if serves_here is None:
            raise TimeBankError("not_volunteer")
        if user.resident_id is not None and user.resident_id != resident.id:
            raise TimeBankError("linked_elsewhere")
    if current is not None and current is not user:
        current.resident_id = None
        session.flush()
    if user is not None:
        user.resident_id = resident.id
    session.flush()
    record(
        session,
        actor,
        "time_bank.link_volunteer",
        "resident",
        resident.id,
        resident.community_id,
        staff_user=user.id if user else None,
    )


def volunteers_for(session: Session, resident: Resident) -> list[StaffUser]:
    """Console accounts that could belong to this resident: anyone with a role in the resident's community."""
    return list(
        session.scalars(
            select(StaffUser)
            .join(StaffRole, StaffRole.staff_user_id == StaffUser.id)
            .where(StaffRole.community_id == resident.community_id, StaffUser.is_active.is_(True))
            .order_by(StaffUser.display_name, StaffUser.id)
            .distinct()
        )
    )
