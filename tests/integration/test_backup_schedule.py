"""The daily backup as a job-queue schedule (issue 20 item 1).

Two real worker processes share one Redis queue; each worker's scheduler would enqueue the hourly backup
round, so the test enqueues it twice, as two schedulers do. The day is claimed in the database first: one
archive is made, and `flask restore` (as an office runs it, passphrase on standard input) accepts it in a
fresh instance with every row. /readyz reports the last backup; a failing backup is recorded in words and
alerts the office's group.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PASSWORD, DEMO_PIN, TEST_KEY, VAULT, seed_day
from tests.unit.test_backup import PASSPHRASE, flask
from webapp import create_app, migrations
from webapp.content.demo import seed_demo
from webapp.infra import backup as backups
from webapp.infra.db import make_engine
from webapp.infra.queue import queue_of
from webapp.jobs.backups import run_backup
from webapp.models import BackupRun, GroupAlert, JobPeriod, OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/6"


def test_the_daily_backup_runs_once_with_two_workers_and_restores(databases, tmp_path):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    url = databases.new("backup_schedule")
    engine = make_engine(url)
    migrations.upgrade(engine)
    with Session(engine) as session:
        seed_demo(session, DEMO_PASSWORD, seed_day(), VAULT, DEMO_PIN)
        session.commit()
    folder = tmp_path / "backups"
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    secret.chmod(0o600)
    name = f"linli-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "LINLI_BACKUP_DIR": str(folder),
        "LINLI_BACKUP_PASSPHRASE_FILE": str(secret),
        "LINLI_BACKUP_HOUR": "0",  # due at any hour of the test's day
        "LINLI_BACKUP_KEEP": "3",
    }
    env = {
        **os.environ,
        **settings,
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
            "backup_dir": str(folder),
            "backup_passphrase_file": str(secret),
            "backup_hour": 0,
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
        for _ in range(2)
    ]
    try:
        runs = [tasks.backup_round() for _ in range(2)]  # what two workers' schedulers enqueue
        outcomes = [run.get(blocking=True, timeout=120) for run in runs]
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(10)
        tasks.huey.flush()
    with Session(engine) as session:
        days = session.scalars(select(JobPeriod.period).where(JobPeriod.name == "backup")).all()
        made = session.scalars(select(BackupRun)).all()
    assert len(days) == 1, outcomes  # (a test straddling midnight UTC would claim two days)
    assert sorted(o.split(" ")[0] for o in outcomes) == ["already", "backup"], outcomes
    archives = sorted(folder.glob(f"linli-*{backups.SUFFIX}"))
    assert len(archives) == 1
    assert [(r.ok, r.archive, r.size) for r in made] == [(True, archives[0].name, archives[0].stat().st_size)]

    readyz = app.test_client().get("/readyz").get_json()
    assert readyz["checks"]["backup"]["ok"] is True
    assert f"{archives[0].stat().st_size} bytes" in readyz["checks"]["backup"]["detail"]

    target_url = databases.new("backup_schedule_restored")
    restored = flask(tmp_path / "fresh", target_url, "restore", str(archives[0]), stdin=PASSPHRASE + "\n")
    assert restored.returncode == 0, restored.stderr
    assert "Restored the backup" in restored.stdout
    target = make_engine(target_url)
    try:
        assert backups.table_counts(target)["resident"] == backups.table_counts(engine)["resident"] > 0
    finally:
        target.dispose()
        engine.dispose()


def test_a_failed_backup_is_recorded_in_words_and_alerts_the_office(app, session, demo_community, tmp_path):
    session.add(GroupAlert(community_id=demo_community.id, queue="office", channel="dingtalk"))
    session.commit()
    saved = app.config["LINLI"]
    app.config["LINLI"] = dataclasses.replace(
        saved, backup_dir=str(tmp_path / "b"), backup_passphrase_file=""
    )
    try:
        run = run_backup(app)
        readyz = app.test_client().get("/readyz").get_json()
    finally:
        app.config["LINLI"] = saved
    assert run.ok is False
    assert "LINLI_BACKUP_PASSPHRASE_FILE" in run.detail
    assert readyz["checks"]["backup"]["ok"] is False
    assert "failed" in readyz["checks"]["backup"]["detail"]
    alert = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "backup_failed")).all()
    assert [(a.community_id, a.channel, a.alert) for a in alert] == [(demo_community.id, "dingtalk", True)]
    assert list((tmp_path / "b").glob("*")) == []
