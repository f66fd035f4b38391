"""Resident cards: issue, reissue, revoke, and identify a resident from a scanned card.

The card's QR encodes `<base>/c/<token>`: a phone camera opens it, a kiosk scanner types it. Only a
hash of the token is stored, so the database alone cannot make a card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.identity.vault import new_token, token_hash
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import Resident, ResidentCard

# A token is 24 URL-safe characters; scanners may add a symbology prefix (]Q1) or a trailing newline.
_TOKEN_IN_SCAN = re.compile(r"(?:^|/c/)([A-Za-z0-9_-]{20,64})/?\s*$")


class CardRefused(DomainError):
    code = "card_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "unknown", "revoked", "moved_out"


@dataclass(frozen=True)
class IssuedCard:
    card: ResidentCard
    token: str  # shown once (printed on the card), never stored

    def url(self, base_url: str) -> str:
        return card_url(base_url, self.token)


def card_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/c/{token}"


def token_from_scan(text: str) -> str | None:
    """Pull the token out of whatever a scanner or camera produced: a card URL or the bare token."""
    cleaned = text.strip()
    if cleaned.startswith("]") and len(cleaned) > 3:
        cleaned = cleaned[3:]  # AIM symbology identifier, e.g. ]Q1
    match = _TOKEN_IN_SCAN.search(cleaned)
    return match.group(1) if match else None


def issue_card(session: Session, actor: Actor, resident: Resident) -> IssuedCard:
    """Issue a new card; any card the resident already had stops working at once."""
    replaced = revoke_all_cards(session, actor, resident, audit=False)
    token = new_token()
    card = ResidentCard(
        resident_id=resident.id,
        token_hash=token_hash(token),
        issued_by_id=actor.id if actor.type == "staff" else None,
    )
    session.add(card)
    session.flush()
    action = "card.reissue" if replaced else "card.issue"
    record(session, actor, action, "resident", resident.id, resident.community_id, card_id=card.id)
    return IssuedCard(card=card, token=token)


def revoke_all_cards(session: Session, actor: Actor, resident: Resident, audit: bool = True) -> int:
    cards = session.scalars(
        select(ResidentCard).where(ResidentCard.resident_id == resident.id, ResidentCard.revoked_at.is_(None))
    ).all()
    for card in cards:
        card.revoked_at = clock.now()
        card.revoked_by_id = actor.id if actor.type == "staff" else None
        if audit:
            record(
                session, actor, "card.revoke", "resident", resident.id, resident.community_id, card_id=card.id
            )
    if cards:
        resident.auth_version += 1  # phone sessions opened with a lost card end too
    session.flush()
    return len(cards)


def card_for_token(session: Session, token: str) -> ResidentCard:
    """The live card for *token*, or CardRefused saying why not."""
    card = session.scalar(select(ResidentCard).where(ResidentCard.token_hash == token_hash(token)))
    if card is None:
        raise CardRefused("unknown")
    if card.revoked_at is not None:
        raise CardRefused("revoked")
    resident = card.resident
    if resident.moved_out_at is not None or resident.erased_at is not None:
        raise CardRefused("moved_out")
    return card


def card_for_scan(session: Session, scanned: str) -> ResidentCard:
    token = token_from_scan(scanned)
    if token is None:
        raise CardRefused("unknown")
    return card_for_token(session, token)
