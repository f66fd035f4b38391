"""Passkeys on a family member's own phone: after a first sign-in by SMS code, a fingerprint or face
instead of waiting for the next SMS (the same WebAuthn rules as residents' passkeys, in a table of their own,
so that a family member's key can never sign anyone in as a resident)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.identity.passkeys import (
    PasskeyRefused,
    RelyingParty,
    new_key_options,
    parse_assertion,
    verify_assertion,
    verify_new_key,
)
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import FamilyMember, FamilyPasskey


def registration_options(session: Session, rp: RelyingParty, member: FamilyMember) -> tuple[str, bytes]:
    """(options JSON for navigator.credentials.create, the challenge to remember)."""
    existing = session.scalars(
        select(FamilyPasskey.credential_id).where(FamilyPasskey.member_id == member.id)
    )
    handle = f"linli-family-{member.id}"  # our row id, nothing a person would recognise
    return new_key_options(rp, handle.encode(), handle, f"Linli ···{member.phone_last4}", list(existing))


def register(
    session: Session,
    actor: Actor,
    rp: RelyingParty,
    member: FamilyMember,
    credential_json: str,
    challenge: bytes,
) -> FamilyPasskey:
    verified = verify_new_key(rp, credential_json, challenge)
    credential = FamilyPasskey(
        member_id=member.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        created_at=clock.now(),
    )
    session.add(credential)
    session.flush()
    record(session, actor, "family.passkey_register", "family_member", member.id, None, passkey=credential.id)
    return credential


def authenticate(session: Session, rp: RelyingParty, credential_json: str, challenge: bytes) -> FamilyMember:
    """Verify an assertion and return its family member; the signature counter must move forward."""
    parsed = parse_assertion(credential_json)
    stored = session.scalar(select(FamilyPasskey).where(FamilyPasskey.credential_id == parsed.raw_id))
    if stored is None:
        raise PasskeyRefused("unknown credential")
    stored.sign_count = verify_assertion(rp, parsed, challenge, stored.public_key, stored.sign_count)
    stored.last_used_at = clock.now()
    session.flush()
    return stored.member


def has_passkey(session: Session, member_id: int) -> bool:
    return (
        session.scalar(select(FamilyPasskey.id).where(FamilyPasskey.member_id == member_id).limit(1))
        is not None
    )
