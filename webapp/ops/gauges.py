"""What the monitoring box reads at each scrape besides the request counters: figures of the database,
computed when asked (a scrape a minute costs two small queries), the same whichever worker answers."""

from __future__ import annotations

import os
from collections.abc import Iterator

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
        checked_out = getattr(engine.pool, "checkedout", None)
        if checked_out is not None:
            yield GaugeMetricFamily(
                "linli_db_pool_in_use", "Database connections in use in this process", value=checked_out()
            )
        for family in EXTRA:
            yield from family()


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
