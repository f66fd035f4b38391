"""A periodic round runs once per period with three workers (issue 17), their schedulers on.

Three real worker processes share one Redis queue (a district), each running Huey's scheduler as in production:
each enqueues the every-minute rounds (the outbox sweep, the help-call round) when it starts and again 60 s
later, so the run crosses a minute boundary and each round is enqueued six times. Counted from the workers' own
logs: every enqueued round tried to claim its minute, exactly one try per minute claimed it and every other try
found it taken; the database holds one claim per minute.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import TEST_KEY
from webapp import create_app, migrations
from webapp.infra.db import make_engine
from webapp.models import JobPeriod

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/12"


JOBS = ("help_round", "sweep")  # the rounds of `help_round_every_minute` and `sweep_every_minute`
CLAIM = re.compile(r"period (\S+) of (\w+): (claimed|taken)")


def _tries(logs: list[Path]) -> dict[str, list[tuple[str, str]]]:
    """(period, claimed/taken) of each try of each minute round, from every worker's log."""
    found: dict[str, list[tuple[str, str]]] = {job: [] for job in JOBS}
    for log in logs:
        for period, job, outcome in CLAIM.findall(log.read_text() if log.exists() else ""):
            if job in found:
                found[job].append((period, outcome))
    return found


def _fires(logs: list[Path]) -> int:
    """How many times the schedulers enqueued the help-call round."""
    return sum(
        1
        for log in logs
        for line in (log.read_text() if log.exists() else "").splitlines()
        if "Enqueueing periodic task" in line and "help_round_every_minute" in line
    )


def test_the_minute_rounds_run_once_per_minute_with_three_schedulers(databases, tmp_path):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    url = databases.new("periodic")
    engine = make_engine(url)
    migrations.upgrade(engine)
    name = f"linli-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LINLI_INSTANCE_PATH": str(tmp_path / "instance"),
        "LINLI_ENCRYPTION_KEY": TEST_KEY.hex(),
        "LINLI_SECRET_KEY": "test-secret",
        "LINLI_QUEUE_URL": REDIS,
        "LINLI_QUEUE_NAME": name,
        "PYTHONPATH": str(ROOT),
    }
    logs = [tmp_path / f"worker-{n}.log" for n in range(3)]
    workers = []
    for log in logs:
        with log.open("wb") as out:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tests.integration.outbox_worker", "--periodic"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=out,
                )
            )
    try:
        deadline = time.monotonic() + 120  # 60 s and three cold starts, with room for a loaded machine
        # Each scheduler enqueues the minute rounds at its start and 60 s later: six tries of each round.
        while not all(len(tries) >= 6 for tries in _tries(logs).values()):
            assert time.monotonic() < deadline, _tries(logs)
            assert all(w.poll() is None for w in workers), "a worker stopped"
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(20)
        create_app(
            {
                "database_url": url,
                "instance_path": tmp_path / "instance",
                "queue_url": REDIS,
                "queue_name": name,
            }
        ).extensions["linli.queue"].huey.flush()
    assert _fires(logs) == 6  # three schedulers, each at its start and a minute later
    with Session(engine) as session:
        claimed = {
            job: sorted(session.scalars(select(JobPeriod.period).where(JobPeriod.name == job)))
            for job in JOBS
        }
    engine.dispose()
    for job, tries in _tries(logs).items():
        assert len(tries) == 6, (job, tries)
        periods = sorted({period for period, _ in tries})
        assert len(periods) >= 2, (job, tries)  # the run crossed a minute boundary
        for period in periods:  # once per minute: one try claimed it, the others found it taken
            assert [o for p, o in tries if p == period].count("claimed") == 1, (job, tries)
        assert claimed[job] == periods, (job, claimed[job], tries)
