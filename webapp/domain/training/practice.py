"""Practice mode: scan a QR, fill in a form, spot the scam, book a pretend appointment.

Nothing is ever sent: practice writes no Ticket, Booking or Notification (the tests count them).
The only thing it may keep is a raised skill level, and only for an identified resident who ticks "save this
to My skills". Skill progress is not one of the sensitive facts of ConsentKind (PIPL art. 28: age, living
alone, disability, health), so no standing consent is recorded; the tick is the resident's choice for that
one result, and without it the result is forgotten when the page closes.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from webapp.content.scams import PASS_MARK, SCAMS
from webapp.domain.privacy.audit import Actor
from webapp.domain.training.certificates import issue_all_complete
from webapp.domain.training.skills import TrainingError, set_level
from webapp.infra import clock
from webapp.models import PracticeToken, Resident, SkillLevel, SkillProgress

# Which skill each practice shows.
PRACTICES: dict[str, str] = {
    "scan": "scan_qr",
    "form": "use_linli",
    "scam": "spot_scam",
    "appointment": "book_hospital",
}
TOKEN_LIFETIME = timedelta(hours=2)


def new_scan_token(session: Session) -> str:
    """A fresh QR target for "practise scanning"; old ones are swept as new ones are made."""
    session.execute(delete(PracticeToken).where(PracticeToken.created_at < clock.now() - timedelta(days=1)))
    token = secrets.token_urlsafe(12)
    session.add(PracticeToken(token=token, created_at=clock.now()))
    session.flush()
    return token


def mark_scanned(session: Session, token: str) -> bool:
    """The phone arrived through the QR: remember it (once); False for a token that is not ours or too old."""
    row = session.scalar(select(PracticeToken).where(PracticeToken.token == token[:64]))
    if row is None or row.created_at < clock.now() - TOKEN_LIFETIME:
        return False
    if row.scanned_at is None:
        row.scanned_at = clock.now()
        session.flush()
    return True


def was_scanned(session: Session, token: str) -> bool:
    row = session.scalar(select(PracticeToken).where(PracticeToken.token == token[:64]))
    return row is not None and row.scanned_at is not None


def scam_answer_is_right(index: int, said_scam: bool) -> bool:
    return bool(SCAMS[index]["scam"]) == said_scam


def scam_score(answers: str) -> int:
    """How many of the answers ("s" = scam, "n" = not a scam, in order) are right."""
    return sum(
        1 for i, a in enumerate(answers[: len(SCAMS)]) if a in "sn" and scam_answer_is_right(i, a == "s")
    )


def scam_passed(answers: str) -> bool:
    return len(answers) >= len(SCAMS) and scam_score(answers) >= PASS_MARK


def save_result(
    session: Session, actor: Actor, resident: Resident, practice: str, consent: bool
) -> SkillProgress:
    """Count a finished practice as the skill done on one's own, when the resident says so."""
    if practice not in PRACTICES:
        raise TrainingError("unknown_skill")
    if not consent:
        raise TrainingError("no_consent")
    row = set_level(session, actor, resident, PRACTICES[practice], SkillLevel.ON_MY_OWN, "practice")
    issue_all_complete(session, actor, resident)
    return row
