"""Registering a webhook: an HTTPS address, the events it wants, and what it may see.

Why HTTPS only: a delivery carries ticket states (and, with the scope, a building) across networks that
Linli does not control. Plain http is accepted for a loopback address only when the instance allows it
(LINLI_WEBHOOK_LOOPBACK_HTTP, on in tests and on a development box): nothing then leaves the machine.

A webhook tied to an API key sees exactly what the key may read, in the key's reach, and stops when the key
is revoked or expires (the administrator manages one thing); one with scopes of its own is for a receiver
that never calls the API.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.identity import api_keys
from webapp.domain.identity.vault import Vault, new_token
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.webhooks.events import EVENTS, FLAT_SCOPE
from webapp.infra import clock
from webapp.models import ApiKey, Webhook

NAME_MAX = 80
URL_MAX = 500
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
SECRET_KIND = "webhook_secret"  # noqa: S105 (a name, not a secret): the vault's kind for a webhook's signing secret
# The scopes a webhook may hold of its own: what its events need, and the flat.
OWN_SCOPES = frozenset({scope.value for scope in EVENTS.values()} | {FLAT_SCOPE.value})


class WebhookError(DomainError):
    code = "webhook"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # "name_required", "url_https", "event_required", "bad_event", "scope_missing", "bad_scope",
        # "key_unusable"
        self.reason = reason


@dataclass(frozen=True)
class Registered:
    webhook: Webhook
    secret: str  # shown once; kept sealed for signing


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, loopback_http: bool) -> str:
    """The address, if deliveries may go there: https with a host, or http to loopback when allowed."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError:
        raise WebhookError("url_https") from None
    if len(url) > URL_MAX or not host or parts.username or parts.password:
        raise WebhookError("url_https")
    if parts.scheme == "https" or (parts.scheme == "http" and loopback_http and is_loopback(host)):
        return url
    raise WebhookError("url_https")


def scopes_of(hook: Webhook) -> frozenset[str]:
    """What a webhook may see now: its key's scopes while the key is usable (none once it is not), or its
    own."""
    if hook.api_key_id is not None:
        key = hook.api_key
        if key is None or not api_keys.is_usable(key):
            return frozenset()
        return frozenset(key.scopes)
    return frozenset(hook.scopes or [])


def register(
    session: Session,
    actor: Actor,
    vault: Vault,
    community_id: int,
    name: str,
    url: str,
    events: list[str],
    api_key: ApiKey | None = None,
    scopes: list[str] | None = None,
    loopback_http: bool = False,
) -> Registered:
    """Register a webhook for one community; the caller shows the secret once."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise WebhookError("name_required")
    url = check_url(url, loopback_http)
    if not events:
        raise WebhookError("event_required")
    if any(e not in EVENTS for e in events):
        raise WebhookError("bad_event")
    own = sorted(set(scopes or []))
    if api_key is not None:
        if not api_keys.is_usable(api_key) or community_id not in api_keys.community_ids(session, api_key):
            raise WebhookError("key_unusable")
        held = frozenset(api_key.scopes)
        own = []
    else:
        if any(s not in OWN_SCOPES for s in own):
            raise WebhookError("bad_scope")
        held = frozenset(own)
    if any(EVENTS[e].value not in held for e in events):
        raise WebhookError("scope_missing")
    secret = SECRET_PREFIX + new_token(24)
    hook = Webhook(
        community_id=community_id,
        name=name,
        url=url,
        events=sorted(set(events)),
        api_key_id=api_key.id if api_key is not None else None,
        scopes=own,
        key_id="wh_" + new_token(9),
        secret_cipher=vault.encrypt(SECRET_KIND, secret),
        created_at=clock.now(),
        created_by_id=actor.id if actor.type == "staff" else None,
    )
    session.add(hook)
    session.flush()
    record(
        session,
        actor,
        "webhook.register",
        "webhook",
        hook.id,
        community_id,
        events=hook.events,
        key=hook.api_key_id,
        scopes=own,
    )
    return Registered(hook, secret)


def disable(session: Session, actor: Actor, hook: Webhook) -> None:
    """Stop a webhook at once: no new event is written for it, and its waiting deliveries are not sent."""
    if hook.disabled_at is not None:
        return
    hook.disabled_at = clock.now()
    session.flush()
    record(session, actor, "webhook.disable", "webhook", hook.id, hook.community_id)


def secret_of(vault: Vault, hook: Webhook) -> str:
    return vault.decrypt(SECRET_KIND, hook.secret_cipher)


def webhooks_of(session: Session, community_ids: set[int] | frozenset[int]) -> list[Webhook]:
    return list(
        session.scalars(
            select(Webhook).where(Webhook.community_id.in_(community_ids)).order_by(Webhook.id.desc())
        )
    )
