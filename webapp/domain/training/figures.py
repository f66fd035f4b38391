"""Training figures for the office: classes held, attendance, skills gained per month by age band, and the
hours volunteers led. Counted in the database per month; ages are taken on the day the skill was gained.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.infra import clock
from webapp.models import (
    Attendance,
    AttendanceStatus,
    Resident,
    SessionVolunteer,
    SkillLevel,
    SkillProgress,
    StaffUser,
    TrainingSession,
)

AGE_BANDS = ("under_60", "60_69", "70_79", "80_plus", "unknown")


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    if age < 60:
        return "under_60"
    return "60_69" if age < 70 else ("70_79" if age < 80 else "80_plus")


@dataclass
class Month:
    month: str  # "2026-11"
    held: int = 0
    booked: int = 0
    attended: int = 0
    gained: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AGE_BANDS, 0))
    minutes_led: int = 0

    @property
    def gained_total(self) -> int:
        return sum(self.gained.values())


@dataclass
class TrainingFigures:
    months: list[Month]
    volunteers: list[tuple[str, int]]  # display name, minutes led


def _month(at: datetime | date) -> str:
    return f"{at.year:04d}-{at.month:02d}"


def figures(session: Session, community_ids: frozenset[int], since: datetime) -> TrainingFigures:
    """Per month since *since*: classes held (started, not called off), places, arrivals, skills, hours."""
    now = clock.now()
    months: dict[str, Month] = {}

    def month(key: str) -> Month:
        return months.setdefault(key, Month(key))

    held = session.scalars(
        select(TrainingSession).where(
            TrainingSession.community_id.in_(community_ids),
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at >= since,
            TrainingSession.starts_at <= now,
        )
    ).all()
    by_id = {s.id: s for s in held}
    for s in held:
        month(_month(s.starts_at)).held += 1
    if by_id:
        rows = session.execute(
            select(
                Attendance.training_session_id,
                func.count(Attendance.id),
                func.count(Attendance.checked_in_at),
            )
            .where(Attendance.training_session_id.in_(by_id), Attendance.status == AttendanceStatus.BOOKED)
            .group_by(Attendance.training_session_id)
        )
        for ts_id, booked, attended in rows:
            m = month(_month(by_id[ts_id].starts_at))
            m.booked += booked
            m.attended += attended
    gained = session.execute(
        select(SkillProgress.gained_at, Resident.birth_date)
        .join(Resident, Resident.id == SkillProgress.resident_id)
        .where(
            SkillProgress.community_id.in_(community_ids),
            SkillProgress.level == SkillLevel.ON_MY_OWN,
            SkillProgress.gained_at >= since,
        )
    )
    for at, birth in gained:
        if at is None:  # a level set before dates were kept counts in no month
            continue
        age = (
            None if birth is None else at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))
        )
        month(_month(at)).gained[age_band(age)] += 1
    per_person: dict[str, int] = defaultdict(int)
    if by_id:
        led = session.execute(
            select(SessionVolunteer.training_session_id, StaffUser.display_name, SessionVolunteer.minutes)
            .join(StaffUser, StaffUser.id == SessionVolunteer.staff_user_id)
            .where(SessionVolunteer.training_session_id.in_(by_id))
        )
        for ts_id, name, minutes in led:
            month(_month(by_id[ts_id].starts_at)).minutes_led += minutes
            per_person[name] += minutes
    return TrainingFigures(
        months=[months[k] for k in sorted(months)],
        volunteers=sorted(per_person.items(), key=lambda kv: (-kv[1], kv[0])),
    )
