"""Delivering webhook events at least once: claim a delivery atomically, sign and send it, mark it; retry
with growing delays; fail for good in words the console shows; replay from the console.

The claim and its lease are the outbox's (`webapp.domain.messages.delivery`): a worker killed after claiming
leaves a delivery whose lease runs out and the next sweep sends it again. A worker killed after the receiver
answered and before marking is the window no database closes: the receiver then gets the event twice, with
the same event id (`Linli-Event-Id`), and drops the repeat. At least once, never lost.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.webhooks import signing
from webapp.domain.webhooks.events import EVENTS, FLAT_SCOPE
from webapp.domain.webhooks.hooks import WebhookError, check_url, scopes_of, secret_of
from webapp.infra import clock
from webapp.models import Community, WebhookDelivery, WebhookStatus

MAX_ATTEMPTS = 8
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(hours=6)
REASON_MAX = 300


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, about 2 h, then every 6 h: a receiver down for a night still gets it."""
    return min(FIRST_DELAY * (4 ** max(attempts - 1, 0)), LONGEST_DELAY)


def new_token() -> str:
    return uuid.uuid4().hex


def due(session: Session, limit: int = 500, now: datetime | None = None) -> list[int]:
    """Deliveries a worker may claim now: pending and due, or claimed by a worker whose lease ran out."""
    now = now or clock.now()
    pending = select(WebhookDelivery.id).where(
        WebhookDelivery.status == WebhookStatus.PENDING, WebhookDelivery.next_attempt_at <= now
    )
    stale = select(WebhookDelivery.id).where(
        WebhookDelivery.status == WebhookStatus.SENDING, WebhookDelivery.lease_until <= now
    )
    ids = list(session.scalars(pending.order_by(WebhookDelivery.id).limit(limit)))
    ids += list(session.scalars(stale.order_by(WebhookDelivery.id).limit(limit)))
    return ids


def next_lease_end(session: Session) -> datetime | None:
    return session.scalar(
        select(WebhookDelivery.lease_until)
        .where(WebhookDelivery.status == WebhookStatus.SENDING)
        .order_by(WebhookDelivery.lease_until)
        .limit(1)
    )


def claim(session: Session, delivery_id: int, token: str, lease: timedelta) -> WebhookDelivery | None:
    """Take the delivery for this worker until `lease` runs out, or None if another worker has it or it is
    done. The caller commits before sending, so that the claim is visible to every other worker."""
    now = clock.now()
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            or_(
                and_(WebhookDelivery.status == WebhookStatus.PENDING, WebhookDelivery.next_attempt_at <= now),
                and_(WebhookDelivery.status == WebhookStatus.SENDING, WebhookDelivery.lease_until <= now),
            ),
        )
        .values(
            status=WebhookStatus.SENDING,
            claim=token,
            lease_until=now + lease,
            attempts=WebhookDelivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(WebhookDelivery, delivery_id, populate_existing=True)


@dataclass(frozen=True)
class Prepared:
    """A signed request ready to go, or why it can never go (a final failure, in words)."""

    url: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    refuse: str = ""


def body_of(session: Session, row: WebhookDelivery, scopes: frozenset[str]) -> dict[str, Any]:
    """The JSON a receiver gets: the event id, type, time, community (its slug, Open311's jurisdiction_id)
    and the data, with the flat only for a webhook whose scope allows it."""
    event = row.event
    community = session.get(Community, event.community_id)
    data = dict(event.payload)
    if event.flat and FLAT_SCOPE.value in scopes:
        data.update(event.flat)
    return {
        "id": event.event_id,
        "type": event.event_type,
        "created_at": event.created_at.isoformat(),
        "community": community.slug if community is not None else None,
        "data": data,
    }


def prepare(session: Session, vault: Vault, row: WebhookDelivery, loopback_http: bool) -> Prepared:
    """Check the webhook still may hear this event (scope, key, address: any may have changed since), then
    sign the body with its secret."""
    hook = row.webhook
    if hook.disabled_at is not None:
        return Prepared(refuse="The webhook was turned off.")
    scopes = scopes_of(hook)
    if hook.api_key_id is not None and not scopes:
        return Prepared(refuse="The webhook's API key is revoked or expired.")
    if EVENTS[row.event.event_type].value not in scopes:
        return Prepared(refuse="The webhook's scope no longer allows this event.")
    try:
        url = check_url(hook.url, loopback_http)
    except WebhookError:
        return Prepared(refuse="The address is not an HTTPS address.")
    body = json.dumps(body_of(session, row, scopes), ensure_ascii=False, sort_keys=True).encode()
    timestamp = int(clock.now().timestamp())
    headers = signing.headers(
        secret_of(vault, hook), hook.key_id, row.event.event_id, row.event.event_type, timestamp, body
    )
    return Prepared(url=url, body=body, headers=headers)


def _mine(row_id: int, token: str) -> Any:
    return and_(WebhookDelivery.id == row_id, WebhookDelivery.claim == token)


def delivered(session: Session, row_id: int, token: str, code: int) -> bool:
    """Mark it delivered; False if this worker's lease had run out and another worker took it over."""
    result = session.execute(
        update(WebhookDelivery)
        .where(_mine(row_id, token))
        .values(
            status=WebhookStatus.DELIVERED,
            delivered_at=clock.now(),
            response_code=code,
            last_error=None,
            claim=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def not_delivered(
    session: Session, row: WebhookDelivery, token: str, detail: str, code: int | None, retry: bool
) -> str:
    """Record a failed attempt: try again later with a longer delay, or fail for good (the console shows it
    and offers a replay). Returns the new status."""
    final = not retry or row.attempts >= MAX_ATTEMPTS
    status = WebhookStatus.FAILED if final else WebhookStatus.PENDING
    session.execute(
        update(WebhookDelivery)
        .where(_mine(row.id, token))
        .values(
            status=status,
            response_code=code,
            last_error=(detail or "The receiver did not accept the event.")[:REASON_MAX],
            next_attempt_at=clock.now() + backoff(row.attempts),
            claim=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return status


def replay(session: Session, actor: Actor, row: WebhookDelivery) -> WebhookDelivery:
    """Send an event again from the console: a new delivery of the same event (the same event id, so a
    receiver that has it already can drop it), the old one kept as it was for the record."""
    copy = WebhookDelivery(
        webhook_id=row.webhook_id,
        event_row_id=row.event_row_id,
        community_id=row.community_id,
        status=WebhookStatus.PENDING,
        attempts=0,
        next_attempt_at=clock.now(),
        created_at=clock.now(),
        replay_of_id=row.id,
    )
    session.add(copy)
    session.flush()
    record(
        session,
        actor,
        "webhook.replay",
        "webhook_delivery",
        row.id,
        row.community_id,
        copy=copy.id,
        event=row.event.event_id,
    )
    return copy


def recent(
    session: Session, community_ids: set[int] | frozenset[int], limit: int = 100
) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            select(WebhookDelivery)
            .options(selectinload(WebhookDelivery.webhook), selectinload(WebhookDelivery.event))
            .where(WebhookDelivery.community_id.in_(community_ids))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
