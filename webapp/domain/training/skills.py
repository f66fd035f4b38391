"""Skills and what each resident can do: the lesson catalog and a level per person and skill.

A level only ever goes up through practice (a good day at the kiosk must not undo a volunteer's "on my own"),
while a volunteer in a class may set any level: they saw the person do it. `gained_at` is set the first time
a skill reaches "on my own", which is what the training figures count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.content.skills import SKILLS
from webapp.domain import DomainError
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import Resident, Skill, SkillLevel, SkillProgress

ORDER = {SkillLevel.NOT_YET: 0, SkillLevel.WITH_HELP: 1, SkillLevel.ON_MY_OWN: 2}


class TrainingError(DomainError):
    code = "training"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # "unknown_skill", "full", "past", "cancelled", "not_signed_up", "not_booked", "other_community",
        # "not_now", "bad_level", "no_consent", "not_scanned", "not_leader"
        self.reason = reason


def ensure_skills(session: Session) -> int:
    """Add the catalog's skills that are missing (existing lessons, maybe corrected by staff, are kept)."""
    known = set(session.scalars(select(Skill.code)))
    added = 0
    for position, data in enumerate(SKILLS):
        if data["code"] in known:
            continue
        session.add(Skill(position=position, **data))
        added += 1
    session.flush()
    return added


def all_skills(session: Session) -> list[Skill]:
    return list(session.scalars(select(Skill).order_by(Skill.position, Skill.id)))


def skill_or_none(session: Session, code: str) -> Skill | None:
    return session.scalar(select(Skill).where(Skill.code == code[:32]))


def levels_of(session: Session, resident_id: int) -> dict[str, SkillLevel]:
    rows = session.scalars(select(SkillProgress).where(SkillProgress.resident_id == resident_id))
    return {p.skill_code: p.level for p in rows}


def set_level(
    session: Session,
    actor: Actor,
    resident: Resident,
    code: str,
    level: SkillLevel,
    source: str,
    training_session_id: int | None = None,
) -> SkillProgress:
    """Record a level; practice can only raise it, a volunteer's judgement in class may also lower it."""
    if skill_or_none(session, code) is None:
        raise TrainingError("unknown_skill")
    row = session.scalar(
        select(SkillProgress).where(
            SkillProgress.resident_id == resident.id, SkillProgress.skill_code == code
        )
    )
    if row is None:
        row = SkillProgress(
            resident_id=resident.id, community_id=resident.community_id, skill_code=code, level=level
        )
        session.add(row)
    elif source == "practice" and ORDER[level] <= ORDER[row.level]:
        return row
    row.level, row.source, row.updated_at = level, source, clock.now()
    row.training_session_id = training_session_id
    if level == SkillLevel.ON_MY_OWN and row.gained_at is None:
        row.gained_at = clock.now()
    session.flush()
    record(session, actor, f"skill.{level.value}", "resident", resident.id, resident.community_id, skill=code)
    return row


@dataclass(frozen=True)
class MySkills:
    can_do: list[Skill]
    with_help: list[Skill]
    to_learn: list[Skill]

    @property
    def next_skill(self) -> Skill | None:
        first = self.with_help or self.to_learn
        return first[0] if first else None


def my_skills(session: Session, resident_id: int) -> MySkills:
    """What I can do, what I can do with help, and what to learn next (in the catalog's order)."""
    levels = levels_of(session, resident_id)
    skills = all_skills(session)
    return MySkills(
        can_do=[s for s in skills if levels.get(s.code) == SkillLevel.ON_MY_OWN],
        with_help=[s for s in skills if levels.get(s.code) == SkillLevel.WITH_HELP],
        to_learn=[s for s in skills if levels.get(s.code, SkillLevel.NOT_YET) == SkillLevel.NOT_YET],
    )
