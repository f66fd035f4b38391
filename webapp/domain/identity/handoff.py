"""Kiosk → phone hand-off: a one-time QR, valid two minutes, that signs the same resident in on a phone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.identity.vault import new_token, token_hash
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import HandoffToken, Resident

LIFETIME = timedelta(minutes=2)


class HandoffRefused(DomainError):
    code = "handoff_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "unknown", "expired", "used"


def create_handoff(session: Session, actor: Actor, resident: Resident, kiosk_id: int | None = None) -> str:
    """Return the token for the QR; the PIN must have been checked by the caller just before."""
    token = new_token()
    now = clock.now()
    session.add(
        HandoffToken(
            resident_id=resident.id,
            token_hash=token_hash(token),
            kiosk_id=kiosk_id,
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    session.flush()
    record(session, actor, "handoff.create", "resident", resident.id, resident.community_id)
    return token


def consume_handoff(session: Session, token: str) -> Resident:
    """Use the token once. The conditional UPDATE makes two phones racing for it get one winner."""
    now = clock.now()
    digest = token_hash(token)
    used = session.execute(
        update(HandoffToken)
        .where(
            HandoffToken.token_hash == digest, HandoffToken.used_at.is_(None), HandoffToken.expires_at > now
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    handoff = session.scalar(
        select(HandoffToken)
        .where(HandoffToken.token_hash == digest)
        .execution_options(populate_existing=True)
    )
    if handoff is None:
        raise HandoffRefused("unknown")
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise HandoffRefused("used" if handoff.used_at is not None else "expired")
    resident = session.get(Resident, handoff.resident_id)
    if resident is None or resident.erased_at is not None:
        raise HandoffRefused("unknown")
    return resident
