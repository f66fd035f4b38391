"""A periodic round runs once per period with three workers (issue 17).

Three real worker processes share one Redis queue (a district); each worker's scheduler would enqueue the
five-minute desk round when its minute comes, so the test enqueues the round three times, as three schedulers do (the periodic task only calls the round).
The round claims its period in the database first: one run does the work, the others find the period taken.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import TEST_KEY
from webapp import create_app, migrations
from webapp.infra.db import make_engine
from webapp.infra.queue import queue_of
from webapp.models import JobPeriod

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/12"


def test_the_desk_round_runs_once_per_period_with_three_workers(databases, tmp_path):
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
    app = create_app(
        {
            "database_url": url,
            "instance_path": tmp_path / "instance",
            "encryption_key": TEST_KEY,
            "queue_url": REDIS,
            "queue_name": name,
        }
    )
    tasks = queue_of(app)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.integration.outbox_worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(3)
    ]
    try:
        runs = [tasks.desk_round() for _ in range(3)]  # what three workers' schedulers enqueue
        outcomes = [run.get(blocking=True, timeout=90) for run in runs]
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(10)
        tasks.huey.flush()
    with Session(engine) as session:
        periods = session.scalars(select(JobPeriod.period).where(JobPeriod.name == "desk_round")).all()
    engine.dispose()
    ran = [o for o in outcomes if o != "already run"]
    # Once per period: as many runs as periods (one, unless the three straddled a five-minute boundary).
    assert len(ran) == len(periods) == len(set(periods)), outcomes
    assert outcomes.count("already run") == 3 - len(periods)
