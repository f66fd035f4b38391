""" "I'm fine today" (平安打卡) and the care list of residents living alone who have not been seen today.

A resident is on today's care list when they live alone (with that consent held), have neither checked
in nor used Linli today, and the community's check time has passed. Staff record what they did.

Those on it who chose a daily check-in of their own (a `CheckinPlan`, issue 18) are "missed" once their own
time has passed with no sign of life and they are not away: `missed_checkins` finds them for the worker, which
starts their alert chain (`webapp.domain.safety.checkin`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
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
    CheckinPlan,
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


def _care_conditions(today: date, start: datetime, end: datetime) -> tuple[Any, Any, Any, Any]:
    """(lives-alone consent held, checked in today, used a kiosk, used the phone) between start and end, as
    SQL conditions on Resident: one definition of "a sign of life" for the care list and missed check-ins."""
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
    return consent_held, checked_in, used_kiosk, used_phone


def care_list(session: Session, community: Community) -> list[CareRow]:
    """Who needs a call or a knock today, oldest first; empty before the community's check time."""
    if not check_time_passed(community):
        return []
    today = local_now(community).date()
    start, end = local_day_bounds(community, today)
    consent_held, checked_in, used_kiosk, used_phone = _care_conditions(today, start, end)
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


def missed_checkins(session: Session, community: Community) -> list[Resident]:
    """Residents on the care list who chose a daily check-in time (with consent), whose time has passed today,
    who are not away today, and who have shown no sign of life since the day began (issue 18)."""
    now = local_now(community)
    today = now.date()
    start, end = local_day_bounds(community, today)
    consent_held, checked_in, used_kiosk, used_phone = _care_conditions(today, start, end)
    away = and_(
        CheckinPlan.away_from.is_not(None),
        CheckinPlan.away_from <= today,
        or_(CheckinPlan.away_until.is_(None), CheckinPlan.away_until >= today),
    )
    return list(
        session.scalars(
            select(Resident)
            .join(CheckinPlan, CheckinPlan.resident_id == Resident.id)
            .where(
                Resident.community_id == community.id,
                Resident.lives_alone.is_(True),
                Resident.moved_out_at.is_(None),
                Resident.erased_at.is_(None),
                CheckinPlan.deadline_minute <= now.hour * 60 + now.minute,
                ~away,
                consent_held,
                ~checked_in,
                ~used_kiosk,
                ~used_phone,
            )
            .order_by(Resident.id)
        )
    )


def seen_since(session: Session, resident: Resident, since: datetime) -> bool:
    """Has the resident shown a sign of life since `since` (a check-in today, a kiosk visit, the phone)?"""
    community = resident.community
    today = local_now(community).date()
    _consent, checked_in, used_kiosk, used_phone = _care_conditions(today, since, clock.now() + timedelta(1))
    return bool(
        session.scalar(
            select(Resident.id).where(Resident.id == resident.id, or_(checked_in, used_kiosk, used_phone))
        )
    )
