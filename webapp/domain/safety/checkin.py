"""Daily check-in alerts (平安打卡提醒): a resident on the care list chooses, with their consent, a time by
which they will have shown a sign of life; if they have not, the worker raises a help call of source
"checkin" whose chain asks them first, then their family and the grid worker, then the office (issue 18).

A call is raised at most once per resident and local day; a sign of life after it stops the chain (the worker
closes it as "checked in"); away dates stop it before it starts.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.identity.vault import Vault
from webapp.domain.kiosk.care import missed_checkins
from webapp.domain.privacy.audit import SYSTEM, Actor, record
from webapp.domain.register.community import local_day_bounds, local_now
from webapp.domain.safety.calls import raise_call
from webapp.domain.safety.roster import RosterError, minutes_of
from webapp.infra import clock
from webapp.models import CheckinPlan, Community, HelpCall, Resident


class PlanError(DomainError):
    code = "checkin_plan"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "consent", "time", "dates", "not_alone"


def plan_of(session: Session, resident_id: int) -> CheckinPlan | None:
    return session.scalar(select(CheckinPlan).where(CheckinPlan.resident_id == resident_id))


def set_plan(
    session: Session,
    actor: Actor,
    resident: Resident,
    deadline: str,
    consent: bool,
    away_from: date | None = None,
    away_until: date | None = None,
) -> CheckinPlan:
    """Start or change a resident's daily check-in: only with their consent, only for someone on the care
    list (living alone); staff doing it at the office is audited like every change they make for someone."""
    if not consent:
        raise PlanError("consent")
    if not resident.lives_alone:
        raise PlanError("not_alone")
    try:
        minute = minutes_of(deadline)
    except RosterError:
        raise PlanError("time") from None
    if minute >= 24 * 60:
        raise PlanError("time")
    if away_until is not None and (away_from is None or away_until < away_from):
        raise PlanError("dates")
    plan = plan_of(session, resident.id)
    if plan is None:
        plan = CheckinPlan(resident_id=resident.id, consent_at=clock.now())
        session.add(plan)
    plan.deadline_minute = minute
    plan.away_from, plan.away_until = away_from, away_until
    plan.set_by_staff_id = actor.id if actor.type == "staff" else None
    plan.updated_at = clock.now()
    session.flush()
    record(session, actor, "safety.checkin_plan_set", "resident", resident.id, resident.community_id)
    return plan


def stop_plan(session: Session, actor: Actor, resident: Resident) -> None:
    """The resident no longer wants the daily check-in (their consent ends with it)."""
    plan = plan_of(session, resident.id)
    if plan is not None:
        session.delete(plan)
        session.flush()
        record(session, actor, "safety.checkin_plan_stopped", "resident", resident.id, resident.community_id)


def raise_missed(session: Session, vault: Vault, base_url: str, community: Community) -> list[HelpCall]:
    """Start the chain of every resident whose check-in time passed today without a sign of life, once per
    resident and local day however often the worker runs."""
    start, end = local_day_bounds(community, local_now(community).date())
    raised = []
    for resident in missed_checkins(session, community):
        already = session.scalar(
            select(HelpCall.id).where(
                HelpCall.resident_id == resident.id,
                HelpCall.source == "checkin",
                HelpCall.raised_at >= start,
                HelpCall.raised_at < end,
            )
        )
        if already is None:
            raised.append(
                raise_call(session, vault, SYSTEM, community, "checkin", base_url, resident=resident)
            )
    return raised
