"""Passkeys (WebAuthn) for residents' phones: a fingerprint or face instead of any password.

The ceremony's challenge is kept by the face (in the signed session); everything else is here.
Credentials are discoverable, so signing in needs no username: the phone offers the resident's key.

py_webauthn is imported inside the ceremonies, not here: it brings pyOpenSSL, pyasn1 and cbor2 (about
15 MiB and 140 modules in each web worker), and only a passkey's registration or sign-in uses it.
"""

from __future__ import annotations

import json
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import PasskeyCredential, Resident

RP_NAME = "Linli"


class PasskeyRefused(DomainError):
    code = "passkey_refused"


@dataclass(frozen=True)
class RelyingParty:
    """Where the ceremony happens: the host name (no port) and the page origin."""

    id: str
    origin: str


def user_handle(resident: Resident) -> bytes:
    # Not the name or any identifier a person would recognise: just our row id.
    return f"linli-resident-{resident.id}".encode()


def new_key_options(
    rp: RelyingParty, user_id: bytes, user_name: str, display_name: str, existing: list[bytes]
) -> tuple[str, bytes]:
    """(options JSON for navigator.credentials.create, the challenge to remember): a discoverable key that
    asks for the fingerprint or face every time. Shared by every kind of person that may hold a passkey
    (residents, family members), so the ceremony's rules are written once."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_id=user_id,
        user_name=user_name,
        user_display_name=display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in existing],
    )
    return options_to_json(options), options.challenge


def verify_new_key(rp: RelyingParty, credential_json: str, challenge: bytes) -> Any:
    """Check a registration against its challenge and origin; the verified key, or PasskeyRefused."""
    from webauthn import verify_registration_response
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        return verify_registration_response(
            credential=credential_json,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError) as exc:
        raise PasskeyRefused(str(exc)) from exc


def parse_assertion(credential_json: str) -> Any:
    """The assertion a phone sent, parsed (its `raw_id` finds the stored key), or PasskeyRefused."""
    from webauthn.helpers import parse_authentication_credential_json
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        return parse_authentication_credential_json(credential_json)
    except (WebAuthnException, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise PasskeyRefused("malformed") from exc


def verify_assertion(
    rp: RelyingParty, parsed: Any, challenge: bytes, public_key: bytes, sign_count: int
) -> int:
    """Check a signed assertion against the stored key; the new signature counter (it must move forward)."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except WebAuthnException as exc:
        raise PasskeyRefused(str(exc)) from exc
    return int(verified.new_sign_count)


def registration_options(session: Session, rp: RelyingParty, resident: Resident) -> tuple[str, bytes]:
    """Return (options JSON for navigator.credentials.create, challenge to remember)."""
    existing = session.scalars(
        select(PasskeyCredential.credential_id).where(PasskeyCredential.resident_id == resident.id)
    )
    return new_key_options(rp, user_handle(resident), f"linli-{resident.id}", resident.name, list(existing))


def register(
    session: Session,
    actor: Actor,
    rp: RelyingParty,
    resident: Resident,
    credential_json: str,
    challenge: bytes,
    label: str,
) -> PasskeyCredential:
    verified = verify_new_key(rp, credential_json, challenge)
    credential = PasskeyCredential(
        resident_id=resident.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        label=label[:64],
    )
    session.add(credential)
    session.flush()
    record(
        session,
        actor,
        "passkey.register",
        "resident",
        resident.id,
        resident.community_id,
        passkey=credential.id,
    )
    return credential


def authentication_options(rp: RelyingParty) -> tuple[str, bytes]:
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    options = generate_authentication_options(
        rp_id=rp.id, user_verification=UserVerificationRequirement.REQUIRED
    )
    return options_to_json(options), options.challenge


def authenticate(session: Session, rp: RelyingParty, credential_json: str, challenge: bytes) -> Resident:
    """Verify an assertion and return its resident; the signature counter must move forward."""
    parsed = parse_assertion(credential_json)
    stored = session.scalar(select(PasskeyCredential).where(PasskeyCredential.credential_id == parsed.raw_id))
    if stored is None:
        raise PasskeyRefused("unknown credential")
    new_count = verify_assertion(rp, parsed, challenge, stored.public_key, stored.sign_count)
    resident = stored.resident
    if resident.erased_at is not None or resident.moved_out_at is not None:
        raise PasskeyRefused("resident no longer registered")
    stored.sign_count = new_count
    stored.last_used_at = clock.now()
    session.flush()
    return resident


def credentials_of(session: Session, resident: Resident) -> list[PasskeyCredential]:
    return list(
        session.scalars(
            select(PasskeyCredential)
            .where(PasskeyCredential.resident_id == resident.id)
            .order_by(PasskeyCredential.id)
        )
    )


def remove(session: Session, actor: Actor, resident: Resident, credential_id: int) -> bool:
    credential = session.get(PasskeyCredential, credential_id)
    if credential is None or credential.resident_id != resident.id:
        return False
    session.delete(credential)
    session.flush()
    record(
        session,
        actor,
        "passkey.remove",
        "resident",
        resident.id,
        resident.community_id,
        passkey=credential_id,
    )
    return True


def credential_label(credential: PasskeyCredential) -> str:
    # py_webauthn's bytes_to_base64url, without importing it for a list of keys
    return credential.label or urlsafe_b64encode(credential.credential_id).decode().rstrip("=")[:8]
