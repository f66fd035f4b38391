"""API keys: how another system proves who it is, and what it may reach (issue 19).

A key belongs to one community or to a region (then every community under it), carries scopes, may expire,
and can be revoked. The secret is shown once when made; only its hash is stored (`vault.token_hash`), and
its first characters (`prefix`) name it in the console. Whatever a key writes is done by an Actor of type
"api_key", so the audit trail and the ticket's timeline say which key did it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.identity.reach import region_ids_under
from webapp.domain.identity.vault import new_token, token_hash
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import ApiKey, Community

KEY_PREFIX = "linli_"
NAME_MAX = 80
TOUCH_EVERY = timedelta(minutes=1)  # last use is written at most this often: a busy key is not a write a call


class Scope(enum.StrEnum):
    READ_CATALOG = "catalog:read"  # communities and their service types (Open311 discovery and services)
    READ_TICKETS = "tickets:read"
    WRITE_TICKETS = "tickets:write"
    # A ticket's building and place (never a resident's name or phone): only for a key that needs the flat.
    READ_FLATS = "tickets:flats"
    READ_BOOKINGS = "bookings:read"  # slots and appointments (counts and times, no names)
    PUBLISH_NOTICES = "notices:publish"
    READ_LIFE = "life:read"  # notices, events and classes, the local services directory
    READ_FIGURES = "figures:read"


class ApiKeyError(DomainError):
    code = "api_key"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "name_required", "scope_required", "bad_scope", "where_required", "expiry"


@dataclass(frozen=True)
class Made:
    key: ApiKey
    secret: str  # shown once, never stored


def make_key(
    session: Session,
    actor: Actor,
    name: str,
    scopes: list[str],
    community_id: int | None = None,
    region_id: int | None = None,
    expires_at: datetime | None = None,
) -> Made:
    """Make a key for one community or one region; the caller shows the secret once."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ApiKeyError("name_required")
    if not scopes:
        raise ApiKeyError("scope_required")
    known = {s.value for s in Scope}
    if any(s not in known for s in scopes):
        raise ApiKeyError("bad_scope")
    if (community_id is None) == (region_id is None):
        raise ApiKeyError("where_required")
    if expires_at is not None and expires_at <= clock.now():
        raise ApiKeyError("expiry")
    secret = KEY_PREFIX + new_token(24)
    key = ApiKey(
        name=name,
        community_id=community_id,
        region_id=region_id,
        scopes=sorted(set(scopes)),
        prefix=secret[: len(KEY_PREFIX) + 6],
        token_hash=token_hash(secret),
        created_at=clock.now(),
        created_by_id=actor.id if actor.type == "staff" else None,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    record(
        session, actor, "api_key.make", "api_key", key.id, community_id, scopes=key.scopes, region=region_id
    )
    return Made(key, secret)


def revoke(session: Session, actor: Actor, key: ApiKey) -> None:
    """Stop a key at once; its next call is a 401. Revoking twice changes nothing."""
    if key.revoked_at is not None:
        return
    key.revoked_at = clock.now()
    key.revoked_by_id = actor.id if actor.type == "staff" else None
    session.flush()
    record(session, actor, "api_key.revoke", "api_key", key.id, key.community_id, region=key.region_id)


def is_usable(key: ApiKey, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now)


def find(session: Session, secret: str) -> ApiKey | None:
    """The key this secret names (usable or not), or None; only a hash is compared."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 100:
        return None
    return session.scalar(select(ApiKey).where(ApiKey.token_hash == token_hash(secret)))


def needs_touch(key: ApiKey, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY


def touch(session: Session, key: ApiKey) -> None:
    """Note the key's last use (at most once a minute, so that reading is not a write per call)."""
    if needs_touch(key):
        key.last_used_at = clock.now()
        session.flush()


def community_ids(session: Session, key: ApiKey) -> frozenset[int]:
    """The communities a key reaches: its own, or every community of its region (archived ones too: read)."""
    if key.community_id is not None:
        return frozenset({key.community_id})
    regions = region_ids_under(session, {key.region_id} if key.region_id is not None else set())
    return frozenset(session.scalars(select(Community.id).where(Community.region_id.in_(regions))))


def actor_for(key: ApiKey, ids: frozenset[int]) -> Actor:
    """Who acts when a key writes: the key itself (its id and name), never the admin who made it."""
    return Actor(
        type="api_key", id=key.id, name=key.name[:64], channel=f"api:{key.prefix}", community_ids=ids
    )


def keys_for(session: Session, community_ids: frozenset[int], region_ids: frozenset[int]) -> list[ApiKey]:
    """The keys an admin may see: their communities' and their regions' keys, newest first."""
    clause: ColumnElement[bool] = ApiKey.community_id.in_(community_ids)
    if region_ids:
        clause = or_(clause, ApiKey.region_id.in_(region_ids))
    return list(session.scalars(select(ApiKey).where(clause).order_by(ApiKey.id.desc())))
