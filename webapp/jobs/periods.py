"""Once per period across workers: the first worker to insert (job, period) runs the round.

Every worker of a district runs Huey's scheduler, so each enqueues a periodic task when its minute comes; the
unique row in the database (the one store they all share, whatever the queue) lets exactly one of them act.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from webapp.infra.unit_of_work import job
from webapp.models import JobPeriod

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("linli.jobs")


def period_of(at: datetime, minutes: int) -> str:
    """The period `at` falls in, as text: "2026-12-05T07:10" for a 5-minute job at 07:12 UTC."""
    step = minutes * 60
    start = int(at.timestamp()) // step * step
    return datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M")


def claim_period(app: Flask, name: str, at: datetime, minutes: int = 1, label: str | None = None) -> bool:
    """True for the one worker that claims this period of this job; False for every other."""
    period = label or period_of(at, minutes)
    try:
        with job(app) as session:
            session.add(
                JobPeriod(
                    name=name[:40],
                    period=period,
                    worker=f"{socket.gethostname()}:{os.getpid()}"[:40],
                    started_at=at,
                )
            )
    except IntegrityError:
        log.info("period %s of %s: taken by another worker", period, name)
        return False
    log.info("period %s of %s: claimed", period, name)
    return True


def forget_old_periods(app: Flask, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    """Drop claims older than `keep`: they only ever need to outlive their own period."""
    with job(app) as session:
        result = session.execute(delete(JobPeriod).where(JobPeriod.started_at < now - keep))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
