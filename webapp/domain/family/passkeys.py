"""Passkeys on a family member's own phone: after a first sign-in by SMS code, a fingerprint or face
instead of waiting for the next SMS (the same WebAuthn rules as residents' passkeys, in a table of their own,
so that a family member's key can never sign anyone in as a resident)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session
from webauthn import (
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from webapp.domain.identity.passkeys import RP_NAME, PasskeyRefused, RelyingParty
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import FamilyMember, FamilyPasskey


def registration_options(session: Session, rp: RelyingParty, member: FamilyMember) -> tuple[str, bytes]:
    """(options JSON for navigator.credentials.create, the challenge to remember)."""
    existing = session.scalars(select(FamilyPasskey).where(FamilyPasskey.member_id == member.id))
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_id=f"linli-family-{member.id}".encode(),  # our row id, nothing a person would recognise
        user_name=f"linli-family-{member.id}",
        user_display_name=f"Linli ···{member.phone_last4}",
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c.credential_id) for c in existing],
    )
    return options_to_json(options), options.challenge


def register(
    session: Session,
    actor: Actor,
    rp: RelyingParty,
    member: FamilyMember,
    credential_json: str,
    challenge: bytes,
) -> FamilyPasskey:
    try:
        verified = verify_registration_response(
            credential=credential_json,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError) as exc:
        raise PasskeyRefused(str(exc)) from exc
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
    try:
        parsed = parse_authentication_credential_json(credential_json)
    except (WebAuthnException, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise PasskeyRefused("malformed") from exc
    stored = session.scalar(select(FamilyPasskey).where(FamilyPasskey.credential_id == parsed.raw_id))
    if stored is None:
        raise PasskeyRefused("unknown credential")
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=stored.public_key,
            credential_current_sign_count=stored.sign_count,
            require_user_verification=True,
        )
    except WebAuthnException as exc:
        raise PasskeyRefused(str(exc)) from exc
    stored.sign_count = verified.new_sign_count
    stored.last_used_at = clock.now()
    session.flush()
    return stored.member


def has_passkey(session: Session, member_id: int) -> bool:
    return (
        session.scalar(select(FamilyPasskey.id).where(FamilyPasskey.member_id == member_id).limit(1))
        is not None
    )
