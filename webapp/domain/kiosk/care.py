""" "I'm fine today" (平安打卡) and the care list of residents living alone who have not been seen today.

A resident is on today's care list when they live alone (with that consent held), have neither checked
in nor used Linli today, and the community's check time has passed. Staff record what they did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.domain import ensure_open
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.register.community import local_day_bounds, local_now
from webapp.infra import clock
from webapp.models import (
    AuditEntry,
    CareAction,
    CareOutcome,
    CheckIn,
    Community,
    Consent,
    ConsentKind,
    KioskVisit,
    Resident,
)


def check_in(session: Session, actor: Actor, resident: Resident, channel: str) -> CheckIn:
    """Record today's check-in once; a second tap the same day returns the first."""
    ensure_open(resident.community)
    today = local_now(resident.community).date()
    existing = session.scalar(select(CheckIn).where(CheckIn.resident_id == resident.id, CheckIn.day == today))
    if existing is not None:
        return existing
    entry = CheckIn(resident_id=resident.id, day=today, channel=channel[:32], at=clock.now())
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:  # the same resident checked in twice at once
        return session.scalars(
            select(CheckIn).where(CheckIn.resident_id == resident.id, CheckIn.day == today)
        ).one()
    record(session, actor, "care.check_in", "resident", resident.id, resident.community_id)
    return entry


def check_time_passed(community: Community) -> bool:
    hours, minutes = (int(part) for part in community.care_check_time.split(":"))
    return local_now(community).time() >= time(hours, minutes)


@dataclass(frozen=True)
class CareRow:
    resident: Resident
    action: CareAction | None  # the latest thing staff did today, if anything


def care_list(session: Session, community: Community) -> list[CareRow]:
    """Who needs a call or a knock today, oldest first; empty before the community's check time."""
    if not check_time_passed(community):
        return []
    today = local_now(community).date()
    start, end = local_day_bounds(community, today)
    consent_held = exists().where(
        Consent.resident_id == Resident.id,
        Consent.kind == ConsentKind.LIVES_ALONE,
        Consent.withdrawn_at.is_(None),
    )
    checked_in = exists().where(CheckIn.resident_id == Resident.id, CheckIn.day == today)
    used_kiosk = exists().where(
        KioskVisit.resident_id == Resident.id, KioskVisit.started_at >= start, KioskVisit.started_at < end
    )
    used_phone = exists().where(
        and_(
            AuditEntry.actor_type == "resident",
            AuditEntry.actor_id == Resident.id,
            AuditEntry.at >= start,
            AuditEntry.at < end,
        )
    )
    residents = session.scalars(
        select(Resident)
        .where(
            Resident.community_id == community.id,
            Resident.lives_alone.is_(True),
            Resident.moved_out_at.is_(None),
            Resident.erased_at.is_(None),
            consent_held,
            ~checked_in,
            ~used_kiosk,
            ~used_phone,
        )
        .order_by(Resident.birth_date.is_(None), Resident.birth_date, Resident.id)
    ).all()
    actions = {
        a.resident_id: a
        for a in session.scalars(select(CareAction).where(CareAction.day == today).order_by(CareAction.at))
    }
    return [CareRow(r, actions.get(r.id)) for r in residents]


def record_care_action(
    session: Session, actor: Actor, resident: Resident, outcome: CareOutcome, note: str | None
) -> CareAction:
    action = CareAction(
        resident_id=resident.id,
        staff_user_id=actor.id if actor.type == "staff" else None,
        day=local_now(resident.community).date(),
        outcome=outcome,
        note=(note or "").strip()[:1000] or None,
        at=clock.now(),
    )
    session.add(action)
    session.flush()
    record(
        session, actor, "care.action", "resident", resident.id, resident.community_id, outcome=outcome.value
    )
    return action
