"""Courses and their class sessions: sign-up with a capacity and a waiting list, check-in by card, the
leader's marks per skill, notes, hours led, and reminders through the shared notifications.

Sign-up, waiting list, cancelling, check-in at the door, reminders and calling off are the shared occasion's
rules (webapp.domain.life.occasions), as for events; a class's differences are the data given to it below.
Notifications name only the session's id; the faces word them (webapp.shared.training).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.life import volunteering
from webapp.domain.life.occasions import Occasions
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.training.certificates import issue_if_complete
from webapp.domain.training.skills import TrainingError, set_level
from webapp.infra import clock
from webapp.models import (
    Attendance,
    AttendanceStatus,
    Certificate,
    Course,
    HourClaim,
    Resident,
    SessionVolunteer,
    SkillLevel,
    StaffUser,
    TrainingSession,
)

ACTIVE = (AttendanceStatus.BOOKED, AttendanceStatus.WAITING)
PLACES = Occasions(
    Attendance,
    TrainingSession,
    "training_session_id",
    AttendanceStatus,
    notify_prefix="class",
    error=TrainingError,
    audit="training",
    target="training_session",
    open_until="ends_at",  # people may join a class that has begun
    walk_in=True,  # someone who just walks in gets a place if there is one
    longest=8 * 60,
    most_places=200,
)
NOTIFY_KINDS = PLACES.notify_kinds
# The rules are the shared occasion's (webapp.domain.life.occasions); these names are what the faces call.
signup = PLACES.signup
fill_from_waiting = PLACES.fill_from_waiting
cancel = PLACES.cancel
check_in = PLACES.check_in
send_reminders = PLACES.send_reminders


def save_course(
    session: Session,
    actor: Actor,
    community_id: int,
    course: Course | None,
    titles: dict[str, str],
    codes: list[str],
) -> Course:
    """Create or change a course: its name and its skills in teaching order."""
    if course is None:
        course = Course(community_id=community_id, created_by_id=actor.id if actor.type == "staff" else None)
        session.add(course)
    course.titles = {k: v.strip() for k, v in titles.items() if v and v.strip()}
    course.skill_codes = list(dict.fromkeys(codes))
    session.flush()
    record(session, actor, "course.save", "course", course.id, community_id)
    return course


def save_session(
    session: Session, actor: Actor, course: Course, ts: TrainingSession | None, values: dict[str, Any]
) -> TrainingSession:
    """Create or change a session; a larger capacity moves people up from the waiting list."""
    ts = PLACES.open_for_change(session, ts, actor, course.community_id)
    ts.course_id = course.id
    PLACES.set_place_and_time(ts, values)
    session.flush()
    have = {v.staff_user_id for v in ts.leaders}
    for user_id in values.get("leaders", []):
        if user_id not in have:
            ts.leaders.append(SessionVolunteer(staff_user_id=user_id, minutes=0))
    PLACES.saved(session, actor, ts)
    return ts


def check_session(values: dict[str, Any]) -> dict[str, str]:
    return PLACES.check(values)


def upcoming(session: Session, community_id: int, limit: int = 20) -> list[TrainingSession]:
    now = clock.now()
    return list(
        session.scalars(
            select(TrainingSession)
            .where(
                TrainingSession.community_id == community_id,
                TrainingSession.cancelled_at.is_(None),
                TrainingSession.ends_at > now,
            )
            .order_by(TrainingSession.starts_at, TrainingSession.id)
            .limit(limit)
        )
    )


def booked_count(session: Session, ts_id: int) -> int:
    return PLACES.booked(session, ts_id)


def mine(session: Session, resident_id: int, ts_ids: list[int]) -> dict[int, Attendance]:
    """class id -> this resident's place or place in the queue (cancelled ones are not shown)."""
    return PLACES.signups_of(session, resident_id, ts_ids, active=True)


def mark(
    session: Session, actor: Actor, ts: TrainingSession, resident: Resident, code: str, level: str
) -> Certificate | None:
    """The leader's judgement of one attendee in one of the course's skills; the certificate when this mark
    completed the course (None otherwise, also when it was complete before)."""
    if code not in ts.course.skill_codes:
        raise TrainingError("unknown_skill")
    if level not in SkillLevel.__members__.values():
        raise TrainingError("bad_level")
    entry = PLACES.find(session, ts.id, resident.id)
    if entry is None or entry.status != AttendanceStatus.BOOKED:
        raise TrainingError("not_booked")
    set_level(session, actor, resident, code, SkillLevel(level), "session", ts.id)
    return issue_if_complete(session, actor, resident, ts.course)


def call_off(session: Session, actor: Actor, ts: TrainingSession, office: bool = True) -> int:
    """Call a class off; everyone with a place or waiting is told (a second call-off tells no one again).

    *office*: the community office may call off any class; a volunteer only one they are named to lead.
    """
    if ts.ends_at <= clock.now():
        raise TrainingError("past")
    if not office and actor.id not in {leader.staff_user_id for leader in ts.leaders}:
        raise TrainingError("not_leader")
    return PLACES.call_off_by(session, actor, ts)


NOTES_MAX = 4000


def save_notes(session: Session, actor: Actor, ts: TrainingSession, notes: str) -> None:
    """The leaders' own notes on a class (what to bring, how it went), audited like every change to it."""
    ts.notes = notes[:NOTES_MAX]
    record(session, actor, "training.notes", "training_session", ts.id, ts.community_id)


def record_hours(
    session: Session, actor: Actor, ts: TrainingSession, user: StaffUser, minutes: int
) -> HourClaim | None:
    """Minutes a leader gave to a held session (replaces the figure given before). A leader whose account
    belongs to a resident earns them in the time bank: a claim for staff to approve (domain.volunteering).
    """
    if not 0 <= minutes <= 12 * 60:
        raise TrainingError("bad_minutes")
    if ts.starts_at > clock.now():
        raise TrainingError("not_now")
    PLACES.lock(session, ts)  # one recording at a time per class: the time-bank claim below is one per class
    leader = next((v for v in ts.leaders if v.staff_user_id == user.id), None)
    assigned = leader is not None  # only a leader named for the class earns time-bank hours for it
    if leader is None:
        leader = SessionVolunteer(staff_user_id=user.id)
        ts.leaders.append(leader)
    leader.minutes = minutes
    session.flush()
    record(session, actor, "training.hours", "training_session", ts.id, ts.community_id, minutes=minutes)
    if user.resident_id is None or not assigned:
        return None
    resident = session.get(Resident, user.resident_id)
    if resident is None or resident.erased_at is not None or resident.community_id != ts.community_id:
        return None
    return volunteering.claim_class_led(session, actor, resident, ts, minutes)


def roster(session: Session, ts: TrainingSession) -> list[Attendance]:
    return PLACES.everyone(session, ts.id)


def todays_class(
    session: Session, resident_id: int, day_start: datetime, day_end: datetime
) -> TrainingSession | None:
    """The resident's booked class today (not yet over), for the top of the kiosk home."""
    return session.scalar(
        select(TrainingSession)
        .join(Attendance, Attendance.training_session_id == TrainingSession.id)
        .where(
            Attendance.resident_id == resident_id,
            Attendance.status == AttendanceStatus.BOOKED,
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at >= day_start,
            TrainingSession.starts_at < day_end,
            TrainingSession.ends_at > clock.now(),
        )
        .order_by(TrainingSession.starts_at)
        .limit(1)
    )
