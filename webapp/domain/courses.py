"""Courses and their class sessions: sign-up with a capacity and a waiting list, check-in by card, the
leader's marks per skill, notes, hours led, and reminders through the shared notifications.

As with events (webapp.domain.events), every change to a session's sign-ups first locks the session's row, so
two people taking the last place, or two cancellations promoting the same waiting person, happen one after
the other. Notifications name only the session's id; the faces word them (webapp.training).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp import clock
from webapp.domain import volunteering
from webapp.domain.audit import Actor, record
from webapp.domain.certificates import issue_if_complete
from webapp.domain.skills import TrainingError, set_level
from webapp.domain.waiting_list import WaitingList
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

REMIND_BEFORE = timedelta(hours=24)
CHECK_IN_EARLY = timedelta(hours=1)
ACTIVE = (AttendanceStatus.BOOKED, AttendanceStatus.WAITING)
NOTIFY_KINDS = ("class_reminder", "class_place", "class_cancelled")
PLACES = WaitingList(
    Attendance,
    TrainingSession,
    "training_session_id",
    AttendanceStatus,
    "class_place",
    "class_reminder",
    "class_cancelled",
)


def _lock(session: Session, ts: TrainingSession) -> None:
    PLACES.lock(session, ts)


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
    if ts is None:
        ts = TrainingSession(
            community_id=course.community_id, created_by_id=actor.id if actor.type == "staff" else None
        )
        session.add(ts)
    else:
        _lock(session, ts)
    starts: datetime = values["starts_at"]
    ts.course_id, ts.place, ts.capacity = course.id, values["place"], values["capacity"]
    ts.starts_at, ts.ends_at = starts, starts + timedelta(minutes=values["minutes"])
    session.flush()
    have = {v.staff_user_id for v in ts.leaders}
    for user_id in values.get("leaders", []):
        if user_id not in have:
            ts.leaders.append(SessionVolunteer(staff_user_id=user_id, minutes=0))
    session.flush()
    fill_from_waiting(session, ts)
    record(session, actor, "training_session.save", "training_session", ts.id, ts.community_id)
    return ts


def check_session(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values["place"]:
        errors["place"] = "required"
    if values["starts_at"] is None:
        errors["starts"] = "bad_date"
    elif values["starts_at"] <= clock.now() and values.get("new"):
        errors["starts"] = "past"
    if values["minutes"] is None or not 10 <= values["minutes"] <= 8 * 60:
        errors["minutes"] = "bad_minutes"
    if values["capacity"] is None or not 1 <= values["capacity"] <= 200:
        errors["capacity"] = "bad_number"
    return errors


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
    if not ts_ids:
        return {}
    rows = session.scalars(
        select(Attendance).where(
            Attendance.resident_id == resident_id,
            Attendance.training_session_id.in_(ts_ids),
            Attendance.status.in_(ACTIVE),
        )
    )
    return {a.training_session_id: a for a in rows}


def signup(
    session: Session, actor: Actor, ts: TrainingSession, resident: Resident, channel: str
) -> Attendance:
    """Take a place, or join the waiting list when the session is full; twice changes nothing."""
    if resident.community_id != ts.community_id:
        raise TrainingError("other_community")
    if ts.ends_at <= clock.now():
        raise TrainingError("past")
    _lock(session, ts)
    if ts.cancelled_at is not None:  # read under the lock: a call-off a moment ago counts
        raise TrainingError("cancelled")
    entry, changed = PLACES.take(session, ts, resident.id, channel)
    if not changed:
        return entry
    record(session, actor, f"training.{entry.status.value}", "training_session", ts.id, ts.community_id)
    return entry


def fill_from_waiting(session: Session, ts: TrainingSession) -> list[Attendance]:
    """Give free places to those waiting longest and tell them (the caller holds the lock)."""
    return PLACES.fill(session, ts, still_open=ts.ends_at > clock.now())


def cancel(session: Session, actor: Actor, ts: TrainingSession, resident: Resident) -> list[Attendance]:
    """Give up a place (or leave the waiting list); returns whoever moved up into it."""
    _lock(session, ts)
    was_booked = PLACES.leave(session, ts.id, resident.id)
    if was_booked is None:
        raise TrainingError("not_signed_up")
    record(session, actor, "training.cancel", "training_session", ts.id, ts.community_id)
    return fill_from_waiting(session, ts) if was_booked else []


def check_in(session: Session, actor: Actor, ts: TrainingSession, resident: Resident) -> Attendance:
    """Mark someone as arrived; a person who just walks in gets a place if there is one."""
    now = clock.now()
    if not (ts.starts_at - CHECK_IN_EARLY <= now <= ts.ends_at):
        raise TrainingError("not_now")
    entry = signup(session, actor, ts, resident, "door")
    if entry.status != AttendanceStatus.BOOKED:
        raise TrainingError("full")
    if entry.checked_in_at is None:
        entry.checked_in_at = now
        session.flush()
        record(session, actor, "training.check_in", "training_session", ts.id, ts.community_id)
    return entry


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
    told = PLACES.call_off(session, ts, clock.now())
    if told is None:
        return 0
    record(session, actor, "training.call_off", "training_session", ts.id, ts.community_id, told=told)
    return told


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
    _lock(session, ts)  # one recording at a time per class: the time-bank claim below is one per class
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


def send_reminders(session: Session) -> int:
    """Remind everyone with a place in a session within a day, once."""
    return PLACES.remind(session, REMIND_BEFORE)


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
