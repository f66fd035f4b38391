"""What the monitoring box reads at each scrape besides the request counters: figures of the database,
computed when asked (a scrape a minute costs two small queries), the same whichever worker answers."""

from __future__ import annotations

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
