"""Digital-skills training in the demo: the skills catalog, one course, a class held last week (with marks,
hours led and a certificate for the sample resident), one today and one next week.

Called once, when the demo community is created. Past rows are written directly (signing up for a class
that is over is refused by the rules); today's and next week's go through the same functions as the faces.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.content.skills import t
from webapp.domain.identity.staff import find_staff
from webapp.domain.life import volunteering
from webapp.domain.life.timebank import TimeBankError
from webapp.domain.privacy.audit import Actor
from webapp.domain.training import courses
from webapp.domain.training.certificates import issue_if_complete
from webapp.domain.training.skills import TrainingError, ensure_skills, set_level
from webapp.models import Attendance, AttendanceStatus, Community, Resident, SkillLevel, TrainingSession

OFFICE = Actor(type="staff", name="陈静", role="community_worker", channel="demo")
COURSE_SKILLS = ["scan_qr", "video_call", "pay_safely", "spot_scam"]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def seed_training(session: Session, community: Community, sample: Resident | None, today: date) -> None:
    """Skills, a course and three sessions for the demo community."""
    ensure_skills(session)
    course = courses.save_course(
        session,
        OFFICE,
        community.id,
        None,
        t("智能手机入门", "智慧手機入門", "Smartphone basics"),
        COURSE_SKILLS,
    )
    volunteer = find_staff(session, "volunteer")
    leaders = [volunteer.id] if volunteer else []
    people = list(
        session.scalars(
            select(Resident).where(Resident.community_id == community.id).order_by(Resident.id).limit(6)
        )
    )
    past = TrainingSession(
        community_id=community.id,
        course_id=course.id,
        starts_at=_at(today - timedelta(days=7), 9),
        ends_at=_at(today - timedelta(days=7), 11),
        place="社区活动室",
        capacity=12,
        notes="",
    )
    session.add(past)
    session.flush()
    if volunteer is not None:
        # The volunteer is a resident too: the class led becomes a time-bank claim waiting for approval.
        helper = next((p for p in reversed(people) if sample is None or p.id != sample.id), None)
        if helper is not None and volunteer.resident_id is None:
            with suppress(TimeBankError):  # another demo community, where the demo volunteer has no role
                volunteering.link_volunteer(session, OFFICE, helper, volunteer)
        courses.record_hours(session, OFFICE, past, volunteer, 150)
    for person in people:
        session.add(
            Attendance(
                training_session_id=past.id,
                resident_id=person.id,
                status=AttendanceStatus.BOOKED,
                queued_at=past.starts_at - timedelta(days=2),
                channel="demo",
                checked_in_at=past.starts_at,
            )
        )
        for n, code in enumerate(COURSE_SKILLS[:2]):
            level = SkillLevel.ON_MY_OWN if (person.id + n) % 2 else SkillLevel.WITH_HELP
            set_level(session, OFFICE, person, code, level, "session", past.id)
    session.flush()
    if sample is not None:
        for code in COURSE_SKILLS:
            set_level(session, OFFICE, sample, code, SkillLevel.ON_MY_OWN, "session", past.id)
        issue_if_complete(session, OFFICE, sample, course)
    for offset, hour in ((0, 14), (7, 9)):
        values = {
            "place": "社区活动室",
            "starts_at": _at(today + timedelta(days=offset), hour),
            "minutes": 90,
            "capacity": 10,
            "leaders": leaders,
        }
        upcoming = courses.save_session(session, OFFICE, course, None, values)
        for person in people[:3]:
            try:
                courses.signup(session, OFFICE, upcoming, person, "demo")
            except TrainingError:
                continue  # a later clock than the demo's "today": the class is over
    session.flush()
