"""A resident's rights over their data (PIPL arts. 44-47): see it, take a copy, ask for deletion."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp import clock
from webapp.domain import DomainError
from webapp.domain.audit import Actor, record
from webapp.domain.residents import active_card, erase, masked_id_number, masked_phone
from webapp.domain.vault import Vault
from webapp.models import DeletionRequest, DeletionStatus, PasskeyCredential, Resident


def export(session: Session, vault: Vault, resident: Resident) -> dict[str, Any]:
    """Everything we hold about the resident, for the resident (after their PIN or passkey)."""
    card = active_card(session, resident)
    passkeys = session.scalars(select(PasskeyCredential).where(PasskeyCredential.resident_id == resident.id))
    return {
        "name": resident.name,
        "community": resident.community.names,
        "flat": resident.household.label if resident.household else None,
        "date_of_birth": resident.birth_date.isoformat() if resident.birth_date else None,
        # Masked even here: a phone signed in with a card and a reset PIN must not yield the full numbers.
        "id_number": masked_id_number(resident),
        "mobile": masked_phone(resident),
        "lives_alone": resident.lives_alone,
        "registered_disability": resident.has_disability,
        "preferred_language": resident.preferred_locale,
        "pin_set": bool(resident.pin_hash),
        "card_issued_at": card.issued_at.isoformat() if card else None,
        "passkeys": [{"label": p.label, "created_at": p.created_at.isoformat()} for p in passkeys],
        "consents": [
            {
                "kind": c.kind.value,
                "version": c.version,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
                "guardian": c.guardian_name,
            }
            for c in resident.consents
        ],
        "exported_at": clock.now().isoformat(),
    }


def pending_deletion(session: Session, resident: Resident) -> DeletionRequest | None:
    return session.scalar(
        select(DeletionRequest).where(
            DeletionRequest.resident_id == resident.id, DeletionRequest.status == DeletionStatus.REQUESTED
        )
    )


def request_deletion(session: Session, actor: Actor, resident: Resident, channel: str) -> DeletionRequest:
    """Ask for erasure; staff confirm it, so a stolen phone cannot wipe someone out unseen."""
    existing = pending_deletion(session, resident)
    if existing is not None:
        return existing
    found = DeletionRequest(resident_id=resident.id, channel=channel[:32])
    session.add(found)
    session.flush()
    record(session, actor, "deletion.request", "resident", resident.id, resident.community_id)
    return found


class DeletionAlreadyDecided(DomainError):
    code = "deletion_decided"


def confirm_deletion(session: Session, actor: Actor, request: DeletionRequest) -> None:
    if request.status != DeletionStatus.REQUESTED:
        raise DeletionAlreadyDecided(request.status.value)
    erase(session, actor, request.resident)
    request.status = DeletionStatus.DONE
    request.decided_at = clock.now()
    request.decided_by_id = actor.id
    session.flush()
    record(session, actor, "deletion.confirm", "resident", request.resident_id, request.resident.community_id)


def cancel_deletion(session: Session, actor: Actor, request: DeletionRequest) -> None:
    if request.status != DeletionStatus.REQUESTED:
        raise DeletionAlreadyDecided(request.status.value)
    request.status = DeletionStatus.CANCELLED
    request.decided_at = clock.now()
    request.decided_by_id = actor.id
    session.flush()
    record(session, actor, "deletion.cancel", "resident", request.resident_id, request.resident.community_id)
