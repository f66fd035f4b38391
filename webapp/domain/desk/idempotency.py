"""Exactly-once submissions: a client's Idempotency-Key is stored with the result, in the same transaction.

A phone that sent a ticket and lost the answer (a dropped connection, a server restart between commit and
response) sends it again with the same key and gets the first result back instead of a second ticket. The key
is unique in the database, so two copies racing each other cannot both commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.infra import clock
from webapp.models import IdempotencyKey

KEY_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class KeyReused(DomainError):
    """The key was used before for a different submission (or by someone else): 422, never a replay."""

    code = "key_reused"


@dataclass(frozen=True)
class Stored:
    status: int
    payload: dict[str, Any]


def valid_key(key: str) -> bool:
    return 8 <= len(key) <= 64 and set(key) <= KEY_CHARS


def body_hash(items: list[tuple[str, str]]) -> str:
    """The submission's fingerprint: its fields, in order-independent form, without the CSRF token."""
    clean = sorted((k, v) for k, v in items if k not in ("csrf_token", "idempotency_key"))
    return hashlib.sha256(json.dumps(clean, ensure_ascii=False).encode()).hexdigest()


def replay(session: Session, key: str, scope: str, fingerprint: str) -> Stored | None:
    """The first answer for this key, or None if the key is new; KeyReused for another body or person."""
    row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))
    if row is None:
        return None
    if row.scope != scope or row.body_hash != fingerprint:
        raise KeyReused(key)
    return Stored(row.status_code, json.loads(row.response))


def remember(session: Session, key: str, scope: str, fingerprint: str, stored: Stored) -> None:
    """Keep the answer with the key; the caller commits it together with what the submission changed."""
    session.add(
        IdempotencyKey(
            key=key,
            scope=scope,
            body_hash=fingerprint,
            status_code=stored.status,
            response=json.dumps(stored.payload, ensure_ascii=False),
            created_at=clock.now(),
        )
    )
    session.flush()
