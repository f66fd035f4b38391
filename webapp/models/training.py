"""Digital-skills training: the skills catalog and its lessons, courses, class sessions with sign-ups and a
waiting list, what each resident can do (skill progress), certificates, and practice-mode QR tokens.

Lesson text is stored as JSON dicts per locale, like the service catalog, so that the office can correct a
word without a release. A certificate keeps its verification code itself (see domain.training.certificates).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base
from webapp.models.community import Community
from webapp.models.people import Resident, StaffUser
from webapp.models.types import Names, UTCDateTime, enum_column, pick_name, utcnow


class Skill(Base):
    """One everyday skill with its lesson: short steps, each a line of text per locale and an illustration.

    `steps` is a list of {"text": {locale: str}, "image": "file.svg" or ""}; the images live under
    static/img/lessons/. The catalog is shared by every community (a lesson is the same everywhere).
    """

    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    titles: Mapped[Names] = mapped_column(JSON)
    summaries: Mapped[Names] = mapped_column(JSON, default=dict)
    steps: Mapped[list[dict]] = mapped_column(JSON, default=list)
    image: Mapped[str] = mapped_column(String(64), default="")

    def title(self, locale: str) -> str:
        return pick_name(self.titles, locale)

    def summary(self, locale: str) -> str:
        return pick_name(self.summaries or {}, locale)

    def step_texts(self, locale: str) -> list[str]:
        return [pick_name(step.get("text", {}), locale) for step in self.steps or []]


class Course(Base):
    """A short course: skills taught in order over one or more class sessions."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    titles: Mapped[Names] = mapped_column(JSON)
    skill_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Community] = relationship()

    def title(self, locale: str) -> str:
        return pick_name(self.titles, locale)


class TrainingSession(Base):
    """One class of a course: when, where, how many places, who leads it, and the leader's notes."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    course: Mapped[Course] = relationship()
    leaders: Mapped[list[SessionVolunteer]] = relationship(
        back_populates="training_session", cascade="all, delete-orphan", order_by="SessionVolunteer.id"
    )


class SessionVolunteer(Base):
    """A volunteer (or staff member) leading a session, and the minutes they gave to it once it was held."""

    __tablename__ = "session_volunteer"
    __table_args__ = (UniqueConstraint("training_session_id", "staff_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_session_id: Mapped[int] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    minutes: Mapped[int] = mapped_column(Integer, default=0)

    training_session: Mapped[TrainingSession] = relationship(back_populates="leaders")
    user: Mapped[StaffUser] = relationship()


class AttendanceStatus(enum.StrEnum):
    BOOKED = "booked"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class Attendance(Base):
    """A resident's place in a session (or their turn on its waiting list) and whether they came."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("training_session_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_session_id: Mapped[int] = mapped_column(
        ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus, 16), index=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(32))
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    training_session: Mapped[TrainingSession] = relationship()
    resident: Mapped[Resident] = relationship()


class SkillLevel(enum.StrEnum):
    NOT_YET = "not_yet"
    WITH_HELP = "with_help"
    ON_MY_OWN = "on_my_own"


class SkillProgress(Base):
    """How well a resident can do one skill; `gained_at` is when they first managed it on their own."""

    __tablename__ = "skill_progress"
    __table_args__ = (UniqueConstraint("resident_id", "skill_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    skill_code: Mapped[str] = mapped_column(String(32))
    level: Mapped[SkillLevel] = mapped_column(enum_column(SkillLevel, 16))
    source: Mapped[str] = mapped_column(String(16))  # "session" or "practice"
    training_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_session.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    gained_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class Certificate(Base):
    """A course completed: printed with a QR to /verify/<code> that anyone can check."""

    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("resident_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))  # as printed, so a later rename does not change a paper
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident: Mapped[Resident] = relationship()
    course: Mapped[Course] = relationship()
    community: Mapped[Community] = relationship()


class PracticeToken(Base):
    """The QR a kiosk shows in "practise scanning": scanning it with a phone marks it scanned, so the kiosk
    knows (on the server, not in JavaScript) that the resident really did it."""

    __tablename__ = "practice_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
