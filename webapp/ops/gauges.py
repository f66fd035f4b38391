"""What the monitoring box reads at each scrape besides the request counters: figures of the database,
computed when asked (a scrape a minute costs two small queries), the same whichever worker answers."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from webapp.domain.kiosk.devices import ONLINE_WITHIN
from webapp.infra import clock
from webapp.infra.db import database
from webapp.models import Kiosk


class DatabaseFigures(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        engine = database().engine
        with database().sessionmaker() as session:
            online = session.scalar(
                select(func.count(Kiosk.id)).where(Kiosk.last_seen_at >= clock.now() - ONLINE_WITHIN)
            )
            paired = session.scalar(select(func.count(Kiosk.id)))
        yield GaugeMetricFamily(
            "linli_kiosks_online", "Kiosks heard from in the last 3 minutes", value=online or 0
        )
        yield GaugeMetricFamily("linli_kiosks", "Kiosks known", value=paired or 0)
        yield from _messages(session_factory=database().sessionmaker)
        yield from _help_and_webhooks(session_factory=database().sessionmaker)
        yield from _job_queue()
        checked_out = getattr(engine.pool, "checkedout", None)
        if checked_out is not None:
            yield GaugeMetricFamily(
                "linli_db_pool_in_use", "Database connections in use in this process", value=checked_out()
            )
        for family in EXTRA:
            yield from family()


def _messages(session_factory: Any) -> Iterator[GaugeMetricFamily]:
    """The outbox as the job queue's depth: messages waiting (pending or being sent), failed for good, and
    delivered per channel today (UTC)."""
    from webapp.models import OutboxMessage, OutboxStatus

    with session_factory() as session:
        by_status = session.execute(
            select(OutboxMessage.channel, OutboxMessage.status, func.count(OutboxMessage.id)).group_by(
                OutboxMessage.channel, OutboxMessage.status
            )
        ).all()
    waiting = GaugeMetricFamily(
        "linli_messages_waiting", "Messages not yet delivered, by channel", labels=["channel"]
    )
    failed = GaugeMetricFamily(
        "linli_messages_failed", "Messages that failed for good, by channel", labels=["channel"]
    )
    delivered = GaugeMetricFamily(
        "linli_messages_delivered", "Messages delivered, by channel", labels=["channel"]
    )
    skipped = GaugeMetricFamily(
        "linli_messages_skipped", "Messages for a channel not set up", labels=["channel"]
    )
    family = {
        OutboxStatus.PENDING: waiting,
        OutboxStatus.SENDING: waiting,
        OutboxStatus.DELIVERED: delivered,
        OutboxStatus.FAILED: failed,
        OutboxStatus.SKIPPED: skipped,
    }
    for channel, status, count in by_status:
        family.get(status, waiting).add_metric([str(channel)], count)
    yield from (waiting, failed, delivered, skipped)


def _help_and_webhooks(session_factory: Any) -> Iterator[GaugeMetricFamily]:
    """Help calls still open (and of them, not yet acknowledged: someone waits for a person), and the
    webhook deliveries waiting or failed for good: the other work the job queue carries."""
    from webapp.models import HelpCall, WebhookDelivery, WebhookStatus

    with session_factory() as session:
        open_calls, unanswered = session.execute(
            select(
                func.count(HelpCall.id),
                func.count(HelpCall.id).filter(HelpCall.acknowledged_at.is_(None)),
            ).where(HelpCall.closed_at.is_(None))
        ).one()
        deliveries = dict(
            session.execute(
                select(WebhookDelivery.status, func.count(WebhookDelivery.id))
                .where(WebhookDelivery.status != WebhookStatus.DELIVERED)
                .group_by(WebhookDelivery.status)
            ).all()
        )
    yield GaugeMetricFamily("linli_help_calls_open", "Help calls not yet closed", value=open_calls or 0)
    yield GaugeMetricFamily(
        "linli_help_calls_unacknowledged",
        "Open help calls nobody has acknowledged yet",
        value=unanswered or 0,
    )
    waiting = deliveries.get(WebhookStatus.PENDING, 0) + deliveries.get(WebhookStatus.SENDING, 0)
    yield GaugeMetricFamily(
        "linli_webhook_deliveries_waiting", "Webhook deliveries not yet made", value=waiting
    )
    yield GaugeMetricFamily(
        "linli_webhook_deliveries_failed",
        "Webhook deliveries that failed for good",
        value=deliveries.get(WebhookStatus.FAILED, 0),
    )


def _job_queue() -> Iterator[GaugeMetricFamily]:
    """The job queue's own depth (Huey: tasks enqueued and not yet taken by a worker, and tasks scheduled
    for later). A queue that cannot be reached leaves the figures out (and says so in the log): the scrape
    still answers, and `linli_messages_waiting` shows what the work behind it is."""
    from flask import current_app

    from webapp.infra.queue import queue_of

    try:
        huey = queue_of(current_app._get_current_object()).huey  # type: ignore[attr-defined]
        pending, scheduled = huey.pending_count(), huey.scheduled_count()
    except Exception:  # noqa: BLE001 (a figure is missing, not the scrape)
        logging.getLogger("linli.metrics").warning("the job queue did not answer", exc_info=True)
        return
    yield GaugeMetricFamily(
        "linli_jobs_waiting", "Jobs enqueued and not yet taken by a worker", value=pending
    )
    yield GaugeMetricFamily(
        "linli_jobs_scheduled", "Jobs scheduled for later (retries, reminders)", value=scheduled
    )


# Figures other parts add (the job queue's depth and failures, deliveries per channel, open help calls).
EXTRA: list = []
_single: list[CollectorRegistry] = []


def registry() -> CollectorRegistry:
    """Under gunicorn with PROMETHEUS_MULTIPROC_DIR: a registry over every worker's files, made per scrape as
    prometheus_client documents; otherwise this process's own registry, the database figures added once."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        fresh = CollectorRegistry()
        multiprocess.MultiProcessCollector(fresh)
        fresh.register(DatabaseFigures())
        return fresh
    if not _single:
        REGISTRY.register(DatabaseFigures())
        _single.append(REGISTRY)
    return _single[0]
