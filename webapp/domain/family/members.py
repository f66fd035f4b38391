"""A family member's own identity: their mobile number, proven by a code sent to it by SMS.

The number is sealed by the vault and found by its keyed hash, like residents' numbers. A code is six digits,
lives ten minutes, allows five tries and is used once; only its keyed hash is stored (six digits hashed
without a key could be found by trying all million). The SMS goes through the outbox like every other
message, with the code sealed in the row until the worker unseals it at send time.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.domain.family.links import FamilyError
from webapp.domain.identity.numbers import normalise_phone
from webapp.domain.identity.vault import Vault
from webapp.domain.messages import outbox
from webapp.domain.messages.delivery import SEALED_CODE_KIND
from webapp.domain.register.residents import PHONE_KIND
from webapp.infra import clock
from webapp.models import FamilyCode, FamilyMember

CODE_LIFETIME = timedelta(minutes=10)
CODE_TRIES = 5
CODES_PER_HOUR = 5
CODE_KIND = "family_code"


class CodeOutcome(StrEnum):
    OK = "ok"
    WRONG = "code_wrong"
    EXPIRED = "code_expired"  # no live code: ask for a new one
    TRIES = "code_tries"  # too many wrong tries on this code


def member_for_phone(
    session: Session, vault: Vault, raw_phone: str, create: bool = True
) -> FamilyMember | None:
    """The family member with this mobile number, made on first use (raises InvalidPhone on a bad number)."""
    phone = normalise_phone(raw_phone)
    index = vault.index(PHONE_KIND, phone)
    member = session.scalar(select(FamilyMember).where(FamilyMember.phone_index == index))
    if member is None and create:
        member = FamilyMember(
            phone_index=index,
            phone_cipher=vault.encrypt(PHONE_KIND, phone),
            phone_last4=phone[-4:],
            created_at=clock.now(),
        )
        session.add(member)
        session.flush()
    return member


def _code_hash(vault: Vault, member_id: int, code: str) -> str:
    return vault.index(CODE_KIND, f"{member_id}:{code}")


def send_code(session: Session, vault: Vault, member: FamilyMember, community_id: int, locale: str) -> None:
    """Write a new code and its SMS (through the outbox); at most five codes an hour to one number, so that
    nobody can use Linli to flood a stranger's phone."""
    now = clock.now()
    recent = session.scalar(
        select(func.count(FamilyCode.id)).where(
            FamilyCode.member_id == member.id, FamilyCode.created_at > now - timedelta(hours=1)
        )
    )
    if (recent or 0) >= CODES_PER_HOUR:
        raise FamilyError("codes_throttled")
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        FamilyCode(
            member_id=member.id,
            code_hash=_code_hash(vault, member.id, code),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
            tries=0,
        )
    )
    sealed = base64.b64encode(vault.encrypt(SEALED_CODE_KIND, code)).decode()
    outbox.add(
        session,
        community_id,
        outbox.Recipient("family", member.id, locale),
        ["sms"],
        CODE_KIND,
        {"code": sealed},
    )
    session.flush()


def check_code(session: Session, vault: Vault, member: FamilyMember, code: str) -> CodeOutcome:
    """Check a typed code against the member's newest live code; every try counts (the caller keeps it)."""
    now = clock.now()
    live = session.scalar(
        select(FamilyCode)
        .where(FamilyCode.member_id == member.id, FamilyCode.used_at.is_(None), FamilyCode.expires_at > now)
        .order_by(FamilyCode.id.desc())
        .limit(1)
    )
    if live is None:
        return CodeOutcome.EXPIRED
    if live.tries >= CODE_TRIES:
        return CodeOutcome.TRIES
    live.tries += 1
    session.flush()
    typed = "".join(ch for ch in code if ch.isdigit())[:6]
    if not hmac.compare_digest(live.code_hash, _code_hash(vault, member.id, typed)):
        return CodeOutcome.TRIES if live.tries >= CODE_TRIES else CodeOutcome.WRONG
    live.used_at = now
    session.flush()
    return CodeOutcome.OK


def set_preferred_locale(member: FamilyMember, locale: str) -> None:
    member.preferred_locale = locale
