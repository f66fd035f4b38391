"""The resident register: add, edit, search, move out, erase; ID and phone numbers kept only sealed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, contains_eager

from webapp.domain import DomainError
from webapp.domain.identity.numbers import (
    InvalidIdNumber,
    InvalidPhone,
    mask_last4,
    normalise_id_number,
    normalise_phone,
)
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import (
    Building,
    CheckinPlan,
    Consent,
    ConsentKind,
    EmergencyContact,
    FamilyLink,
    Household,
    PasskeyCredential,
    Resident,
    ResidentCard,
    StaffUser,
    Ticket,
)

CONSENT_VERSION = "2026-11"
GUARDIAN_AGE = 14  # PIPL art. 31: a guardian consents for children under 14
ID_KIND, PHONE_KIND = "id_number", "phone"


class ResidentInputError(DomainError):
    """Field name -> error code, so every face can put each message beside its field."""

    code = "resident_input"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class DuplicateIdNumber(DomainError):
    code = "duplicate_id_number"


@dataclass
class ResidentInput:
    """What a form or a spreadsheet row gives; raw strings are validated and normalised here."""

    name: str
    household_id: int | None = None
    birth_date: date | None = None
    id_number: str | None = None  # None: leave unchanged; "": clear
    phone: str | None = None
    lives_alone: bool = False
    has_disability: bool = False
    preferred_locale: str | None = None
    consents: set[ConsentKind] = field(default_factory=set)  # consents given now
    guardian_name: str | None = None


@dataclass(frozen=True)
class CleanInput:
    name: str
    household_id: int | None
    birth_date: date | None
    id_number: str | None
    phone: str | None
    raw: ResidentInput


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def validate(data: ResidentInput, existing: Resident | None = None, today: date | None = None) -> CleanInput:
    """Check every field at once and raise ResidentInputError with all problems."""
    today = today or clock.now().date()
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = "required"
    elif len(name) > 64:
        errors["name"] = "too_long"
    id_number = None
    if data.id_number:
        try:
            id_number = normalise_id_number(data.id_number, today)
        except InvalidIdNumber as exc:
            errors["id_number"] = f"id_{exc.reason}"
    phone = None
    if data.phone:
        try:
            phone = normalise_phone(data.phone)
        except InvalidPhone:
            errors["phone"] = "phone_invalid"
    if data.birth_date and data.birth_date > today:
        errors["birth_date"] = "future"
    held = active_consents(existing) if existing else set()
    given = held | data.consents
    needs = {
        "birth_date": (data.birth_date is not None, ConsentKind.AGE),
        "lives_alone": (data.lives_alone, ConsentKind.LIVES_ALONE),
        "has_disability": (data.has_disability, ConsentKind.DISABILITY),
    }
    for fname, (wanted, kind) in needs.items():
        if wanted and kind not in given:
            errors[fname] = "consent_needed"
    child = data.birth_date is not None and age_on(data.birth_date, today) < GUARDIAN_AGE
    if data.consents - held and child and not (data.guardian_name or "").strip():
        errors["guardian_name"] = "guardian_needed"
    if errors:
        raise ResidentInputError(errors)
    return CleanInput(name, data.household_id, data.birth_date, id_number, phone, data)


def active_consents(resident: Resident | None) -> set[ConsentKind]:
    if resident is None:
        return set()
    return {c.kind for c in resident.consents if c.withdrawn_at is None}


def seal(resident: Resident, vault: Vault, id_number: str | None, phone: str | None) -> None:
    if id_number is not None:
        resident.id_number_index = vault.index(ID_KIND, id_number)
        resident.id_number_cipher = vault.encrypt(ID_KIND, id_number)
        resident.id_number_last4 = id_number[-4:]
    if phone is not None:
        resident.phone_index = vault.index(PHONE_KIND, phone)
        resident.phone_cipher = vault.encrypt(PHONE_KIND, phone)
        resident.phone_last4 = phone[-4:]


def _check_unique_id(session: Session, vault: Vault, id_number: str | None, resident_id: int | None) -> None:
    if id_number is None:
        return
    other = session.scalar(
        select(Resident.id).where(Resident.id_number_index == vault.index(ID_KIND, id_number))
    )
    if other is not None and other != resident_id:
        raise ResidentInputError({"id_number": "id_taken"})


def _record_consents(session: Session, actor: Actor, resident: Resident, clean: CleanInput) -> None:
    for kind in sorted(clean.raw.consents - active_consents(resident)):
        resident.consents.append(
            Consent(
                kind=kind,
                version=CONSENT_VERSION,
                recorded_by_id=actor.id if actor.type == "staff" else None,
                guardian_name=(clean.raw.guardian_name or "").strip() or None,
            )
        )
        record(
            session, actor, "consent.give", "resident", resident.id, resident.community_id, kind=kind.value
        )


def create_resident(
    session: Session, vault: Vault, actor: Actor, community_id: int, data: ResidentInput
) -> Resident:
    clean = validate(data)
    _check_unique_id(session, vault, clean.id_number, None)
    _check_household(session, community_id, clean.household_id)
    resident = Resident(
        community_id=community_id,
        household_id=clean.household_id,
        name=clean.name,
        birth_date=clean.birth_date,
        lives_alone=data.lives_alone,
        has_disability=data.has_disability,
        preferred_locale=data.preferred_locale,
    )
    resident.consents = []
    seal(resident, vault, clean.id_number, clean.phone)
    session.add(resident)
    session.flush()
    _record_consents(session, actor, resident, clean)
    record(session, actor, "resident.create", "resident", resident.id, community_id)
    return resident


def update_resident(
    session: Session, vault: Vault, actor: Actor, resident: Resident, data: ResidentInput
) -> None:
    clean = validate(data, existing=resident)
    _check_unique_id(session, vault, clean.id_number, resident.id)
    _check_household(session, resident.community_id, clean.household_id)
    _record_consents(session, actor, resident, clean)
    resident.name = clean.name
    resident.household_id = clean.household_id
    resident.birth_date = clean.birth_date
    resident.lives_alone = data.lives_alone
    resident.has_disability = data.has_disability
    resident.preferred_locale = data.preferred_locale
    if data.id_number == "":
        resident.id_number_index = resident.id_number_cipher = resident.id_number_last4 = None
    if data.phone == "":
        resident.phone_index = resident.phone_cipher = resident.phone_last4 = None
    seal(resident, vault, clean.id_number, clean.phone)
    session.flush()
    record(session, actor, "resident.update", "resident", resident.id, resident.community_id)


def _check_household(session: Session, community_id: int, household_id: int | None) -> None:
    if household_id is None:
        return
    building_community = session.scalar(
        select(Building.community_id).join(Household).where(Household.id == household_id)
    )
    if building_community != community_id:
        raise ResidentInputError({"household_id": "unknown_household"})


def withdraw_consent(session: Session, actor: Actor, resident: Resident, kind: ConsentKind) -> None:
    """Withdrawing consent also removes the fact it allowed us to keep."""
    for consent in resident.consents:
        if consent.kind == kind and consent.withdrawn_at is None:
            consent.withdrawn_at = clock.now()
    if kind == ConsentKind.AGE:
        resident.birth_date = None
    elif kind == ConsentKind.LIVES_ALONE:
        resident.lives_alone = False
    elif kind == ConsentKind.DISABILITY:
        resident.has_disability = False
    session.flush()
    record(
        session, actor, "consent.withdraw", "resident", resident.id, resident.community_id, kind=kind.value
    )


def set_preferred_locale(resident: Resident, locale: str) -> None:
    """The language a resident chose on their phone: it outranks the switch's cookie on their next visits."""
    resident.preferred_locale = locale


def move_out(session: Session, actor: Actor, resident: Resident) -> None:
    from webapp.domain.identity.cards import revoke_all_cards

    resident.moved_out_at = clock.now()
    revoke_all_cards(session, actor, resident)
    session.flush()
    record(session, actor, "resident.move_out", "resident", resident.id, resident.community_id)


def find_by_id_number(session: Session, vault: Vault, raw: str) -> Resident | None:
    """Identify a resident from a typed or read ID number: only the keyed hash is compared."""
    try:
        id_number = normalise_id_number(raw)
    except InvalidIdNumber:
        return None
    return session.scalar(
        select(Resident).where(
            Resident.id_number_index == vault.index(ID_KIND, id_number),
            Resident.moved_out_at.is_(None),
            Resident.erased_at.is_(None),
        )
    )


def masked_id_number(resident: Resident) -> str | None:
    return mask_last4(resident.id_number_last4, 18) if resident.id_number_last4 else None


def masked_phone(resident: Resident) -> str | None:
    return mask_last4(resident.phone_last4, 11) if resident.phone_last4 else None


def reveal(vault: Vault, resident: Resident, what: str) -> str | None:
    """Decrypt a sealed value; callers check permission, re-authenticate and audit first."""
    blob = resident.id_number_cipher if what == ID_KIND else resident.phone_cipher
    return vault.decrypt(what, blob) if blob else None


@dataclass(frozen=True)
class ResidentSearch:
    community_ids: frozenset[int]
    text: str = ""  # a name, a flat like 2-1-501, or the last 4 digits of a phone or ID number
    building_id: int | None = None
    include_moved_out: bool = False


def search_statement(query: ResidentSearch) -> Select[Resident]:
    stmt = (
        select(Resident)
        .outerjoin(Household, Resident.household_id == Household.id)
        .where(Resident.community_id.in_(query.community_ids), Resident.erased_at.is_(None))
    )
    if not query.include_moved_out:
        stmt = stmt.where(Resident.moved_out_at.is_(None))
    if query.building_id:
        stmt = stmt.where(Household.building_id == query.building_id)
    text = query.text.strip()
    if text:
        conditions = [Resident.name.contains(text), Household.label.startswith(text)]
        if len(text) == 4 and (text[:3].isdigit() and (text[3].isdigit() or text[3] in "xX")):
            conditions += [Resident.phone_last4 == text, Resident.id_number_last4 == text.upper()]
        stmt = stmt.where(or_(*conditions))
    return stmt.order_by(Household.label, Resident.name)


def search(session: Session, query: ResidentSearch, limit: int = 200) -> list[Resident]:
    """The residents found, their flats loaded with them (every list of them shows the flat)."""
    return list(
        session.scalars(search_statement(query).options(contains_eager(Resident.household)).limit(limit))
    )


def erase(session: Session, actor: Actor, resident: Resident) -> None:
    """PIPL art. 47: erase personal fields; tickets and audit rows stay, pointing at an anonymous record."""
    from webapp.domain.identity.cards import revoke_all_cards

    revoke_all_cards(session, actor, resident)
    for credential in session.scalars(
        select(PasskeyCredential).where(PasskeyCredential.resident_id == resident.id)
    ):
        session.delete(credential)
    for consent in resident.consents:
        if consent.withdrawn_at is None:
            consent.withdrawn_at = clock.now()
        consent.guardian_name = None
    resident.name = ""
    resident.birth_date = None
    resident.household_id = None
    resident.lives_alone = resident.has_disability = False
    resident.id_number_index = resident.id_number_cipher = resident.id_number_last4 = None
    resident.phone_index = resident.phone_cipher = resident.phone_last4 = None
    resident.pin_hash = None
    resident.preferred_locale = None
    resident.erased_at = clock.now()
    resident.auth_version += 1
    for account in session.scalars(select(StaffUser).where(StaffUser.resident_id == resident.id)):
        account.resident_id = None  # a named console account would tell who the anonymous record was
    for ticket in session.scalars(
        select(Ticket).where(Ticket.resident_id == resident.id, Ticket.contact_cipher.is_not(None))
    ):
        ticket.contact_cipher = ticket.contact_last4 = None  # a contact number typed into a request
    for link in session.scalars(
        select(FamilyLink).where(FamilyLink.resident_id == resident.id, FamilyLink.ended_at.is_(None))
    ):
        link.ended_at, link.ended_by = clock.now(), "erased"  # no family member acts for an erased record
    # Emergency contacts are other people's names and numbers; the daily check-in would alert them (issue 18).
    for row in session.scalars(select(EmergencyContact).where(EmergencyContact.resident_id == resident.id)):
        session.delete(row)
    for plan in session.scalars(select(CheckinPlan).where(CheckinPlan.resident_id == resident.id)):
        session.delete(plan)
    session.flush()
    record(session, actor, "resident.erase", "resident", resident.id, resident.community_id)


def active_card(session: Session, resident: Resident) -> ResidentCard | None:
    return session.scalar(
        select(ResidentCard).where(ResidentCard.resident_id == resident.id, ResidentCard.revoked_at.is_(None))
    )
