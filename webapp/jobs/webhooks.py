"""The worker's webhook tasks: deliver one event to one webhook (claim, sign, send outside any transaction,
mark), and the sweep that finds what is due or was left by a dead worker. See
`webapp.domain.webhooks.delivery` for what the claim closes and the one window it leaves (at least once)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from huey import Huey

from webapp.domain.identity.vault import Vault
from webapp.domain.webhooks import delivery
from webapp.infra import clock
from webapp.infra.unit_of_work import job
from webapp.infra.webhook_http import Outcome, post
from webapp.models import WebhookDelivery, WebhookStatus

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("linli.jobs")
SWEEP_BATCH = 2000


def deliver_one(app: Flask, delivery_id: int, lease: timedelta) -> str:
    """Claim, sign, send and mark one delivery; returns what became of it ("taken": another worker has it)."""
    settings = app.config["LINLI"]
    vault = Vault.from_master(settings.encryption_key)
    token = delivery.new_token()
    with app.app_context(), job(app) as session:
        row = delivery.claim(session, delivery_id, token, lease)
        if row is None:
            return "taken"
        ready = delivery.prepare(session, vault, row, settings.webhooks_may_use_loopback_http)
        if ready.refuse:
            return delivery.not_delivered(session, row, token, ready.refuse, None, retry=False)
    # Sent outside any transaction: a slow receiver holds no lock; the claim (committed) keeps others off.
    try:
        outcome = post(ready.url, ready.body, ready.headers)
    except Exception as exc:  # noqa: BLE001 (a bug here must not leave the delivery claimed for nothing)
        log.exception("webhook delivery %s raised", delivery_id)
        outcome = Outcome(ok=False, detail=f"The sender failed: {type(exc).__name__}.")
    with app.app_context(), job(app) as session:
        if outcome.ok:
            delivery.delivered(session, delivery_id, token, outcome.code or 200)
            return WebhookStatus.DELIVERED
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None  # noqa: S101 (claimed above; deliveries are never deleted)
        return delivery.not_delivered(session, row, token, outcome.detail, outcome.code, outcome.retry)


def register(huey: Huey, app: Flask) -> tuple[Any, Any]:
    """(deliver_webhook, webhook_sweep) bound to this Huey and app."""
    lease = timedelta(seconds=app.config["LINLI"].queue_lease)

    @huey.task(name="deliver_webhook")
    def deliver_webhook(delivery_id: int) -> str:
        outcome = deliver_one(app, delivery_id, lease)
        if outcome == WebhookStatus.PENDING:  # failed, to be tried again after its delay
            with job(app) as session:
                row = session.get(WebhookDelivery, delivery_id)
                wait = (row.next_attempt_at - clock.now()).total_seconds() if row else 0
            deliver_webhook.schedule(args=(delivery_id,), delay=max(1, int(wait)))
        return outcome

    @huey.task(name="webhook_sweep")
    def webhook_sweep() -> int:
        """Enqueue every due delivery, and come back when the earliest claim of a dead worker runs out."""
        with job(app) as session:
            ids = delivery.due(session, SWEEP_BATCH)
            lease_end = delivery.next_lease_end(session)
        for delivery_id in ids:
            deliver_webhook(delivery_id)
        if lease_end is not None:
            webhook_sweep.schedule(delay=max(1, int((lease_end - clock.now()).total_seconds()) + 1))
        return len(ids)

    return deliver_webhook, webhook_sweep
