"""A resident's emergency contacts: up to five people to call when they need help, numbers sealed.

The resident edits them (with their PIN at the kiosk, signed in on their phone); staff at the office may
too, with the resident's consent, and that is audited like every staff change to a resident's record.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.domain import DomainError, has_control_characters
from webapp.domain.identity.numbers import InvalidPhone, mask_last4, normalise_phone
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import EmergencyContact, Resident

MAX_CONTACTS = 5
PHONE_KIND = "phone"  # the vault's kind for every mobile number (register.residents uses the same)


class ContactError(DomainError):
    code = "contact"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "name", "relation", "phone", "too_many", "not_found"


@dataclass(frozen=True)
class ContactView:
    """What a page may show of a contact: the number masked, never in clear."""

    id: int
    name: str
    relation: str
    phone: str


def contacts_of(session: Session, resident_id: int) -> list[EmergencyContact]:
    return list(
        session.scalars(
            select(EmergencyContact)
            .where(EmergencyContact.resident_id == resident_id)
            .order_by(EmergencyContact.position, EmergencyContact.id)
        )
    )


def shown(contact: EmergencyContact) -> ContactView:
    return ContactView(contact.id, contact.name, contact.relation, mask_last4(contact.phone_last4, 11))


def _clean(text: str, limit: int, reason: str) -> str:
    value = " ".join((text or "").split())
    if not value or len(value) > limit or has_control_characters(value):
        raise ContactError(reason)
    return value


def add_contact(
    session: Session, vault: Vault, actor: Actor, resident: Resident, name: str, relation: str, phone: str
) -> EmergencyContact:
    """Add a contact at the end of the resident's list (at most five: a chain longer than that reaches no
    one sooner)."""
    clean_name = _clean(name, 64, "name")
    clean_relation = _clean(relation, 32, "relation")
    try:
        number = normalise_phone(phone or "")
    except InvalidPhone:
        raise ContactError("phone") from None
    count = session.scalar(
        select(func.count(EmergencyContact.id)).where(EmergencyContact.resident_id == resident.id)
    )
    if (count or 0) >= MAX_CONTACTS:
        raise ContactError("too_many")
    now = clock.now()
    contact = EmergencyContact(
        resident_id=resident.id,
        position=(count or 0),
        name=clean_name,
        relation=clean_relation,
        phone_index=vault.index(PHONE_KIND, number),
        phone_cipher=vault.encrypt(PHONE_KIND, number),
        phone_last4=number[-4:],
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    record(session, actor, "safety.contact_added", "resident", resident.id, resident.community_id)
    return contact


def remove_contact(session: Session, actor: Actor, resident: Resident, contact_id: int) -> None:
    contact = session.get(EmergencyContact, contact_id)
    if contact is None or contact.resident_id != resident.id:
        raise ContactError("not_found")
    session.delete(contact)
    session.flush()
    record(session, actor, "safety.contact_removed", "resident", resident.id, resident.community_id)
