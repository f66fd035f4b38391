"""Certificates: given when every skill of a course is "on my own"; checked by anyone at /verify/<code>.

The code is `secrets.token_urlsafe(18)` (144 random bits) and is stored as it is. It is not a secret that
grants anything: it is printed on the certificate for anyone to check, and the office re-prints the QR from
it. What protects against forgery is that it cannot be guessed (2^144 possibilities) and that a code not
in the table, or revoked, is refused. A hash would only stop someone who already reads the database from
re-printing a paper, at the cost of never re-printing it ourselves.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.privacy.audit import Actor, record
from webapp.domain.training.skills import levels_of
from webapp.infra import clock
from webapp.models import Certificate, Course, Notification, Resident, SkillLevel

CODE_BYTES = 18
CODE_MAX = 64
NOTIFY_KIND = "certificate"  # a Notification of the resident's new certificate, its id in `detail`


def completed(session: Session, resident: Resident, course: Course) -> bool:
    levels = levels_of(session, resident.id)
    return bool(course.skill_codes) and all(levels.get(c) == SkillLevel.ON_MY_OWN for c in course.skill_codes)


def issue_if_complete(
    session: Session, actor: Actor, resident: Resident, course: Course
) -> Certificate | None:
    """The certificate this call gave: made the first time every skill of *course* is "on my own" (None when
    the course is not complete, or was already certified).

    The resident is told by a notification, so they hear of it on their next kiosk visit or on their phone
    until it has been shown to them, whoever marked the last skill and wherever.
    """
    existing = session.scalar(
        select(Certificate.id).where(
            Certificate.resident_id == resident.id, Certificate.course_id == course.id
        )
    )
    if existing is not None or not completed(session, resident, course):
        return None
    cert = Certificate(
        code=secrets.token_urlsafe(CODE_BYTES),
        community_id=resident.community_id,
        resident_id=resident.id,
        course_id=course.id,
        name=resident.name,
        issued_at=clock.now(),
    )
    session.add(cert)
    session.flush()
    session.add(
        Notification(resident_id=resident.id, kind=NOTIFY_KIND, detail=str(cert.id), created_at=clock.now())
    )
    record(
        session, actor, "certificate.issue", "resident", resident.id, resident.community_id, course=course.id
    )
    return cert


def issue_all_complete(session: Session, actor: Actor, resident: Resident) -> list[Certificate]:
    """After practice raised a level: each course of the community now complete gives its certificate (the
    ones given by this call are returned)."""
    courses = session.scalars(select(Course).where(Course.community_id == resident.community_id))
    return [c for c in (issue_if_complete(session, actor, resident, course) for course in courses) if c]


def revoke(session: Session, actor: Actor, cert: Certificate) -> None:
    if cert.revoked_at is None:
        cert.revoked_at = clock.now()
        session.flush()
        record(session, actor, "certificate.revoke", "resident", cert.resident_id, cert.community_id)


def certificates_of(session: Session, resident_id: int, include_revoked: bool = False) -> list[Certificate]:
    query = select(Certificate).where(Certificate.resident_id == resident_id)
    if not include_revoked:
        query = query.where(Certificate.revoked_at.is_(None))
    return list(session.scalars(query.order_by(Certificate.issued_at)))


@dataclass(frozen=True)
class Verdict:
    state: str  # "valid", "revoked", "unknown"
    certificate: Certificate | None = None


def verify(session: Session, code: str) -> Verdict:
    """What a stranger with the paper learns: valid (and for what), withdrawn, or not ours."""
    if not code or len(code) > CODE_MAX:
        return Verdict("unknown")
    cert = session.scalar(select(Certificate).where(Certificate.code == code))
    if cert is None:
        return Verdict("unknown")
    return Verdict("revoked" if cert.revoked_at is not None else "valid", cert)


def masked_name(name: str) -> str:
    """ "王秀英" -> "王**": enough to match the paper in hand, too little to learn a name from a code."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""
