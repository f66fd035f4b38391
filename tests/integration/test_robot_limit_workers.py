"""A district's workers share a robot's 20-a-minute limit through Redis (issue 17).

Two real worker processes (`run_worker`, 4 threads each) on one Redis queue deliver 40 alerts to one WeCom
robot, a local server that refuses the 21st message of a minute with WeCom's own errcode 45009. Counted at the
robot: it accepted 20 and was never asked for a 21st, because the workers took their turns from one count in
Redis; the other 20 wait in the outbox for the next minute, said in words. (Each worker counting alone would
send up to 20 each: the robot would refuse the surplus, as it would in production.)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import TEST_KEY, VAULT
from tests.integration.gateways import Gateways
from webapp import create_app, migrations
from webapp.domain.messages import channels
from webapp.domain.messages.outbox import Recipient, add
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra.db import make_engine
from webapp.jobs.worker import share_robot_limit
from webapp.models import Community, OutboxMessage, OutboxStatus, Region, RegionLevel

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/11"
MESSAGES = 40
WAITING = "pending, tried"


def _redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    return client


def test_only_a_redis_queue_shares_the_limit(tmp_path):
    from huey import RedisHuey, SqliteHuey

    from webapp.infra.channels import robots

    _redis()
    before = robots.LIMITER
    try:
        assert not share_robot_limit(SqliteHuey("t", filename=str(tmp_path / "q.db")))
        assert robots.LIMITER is before
        assert share_robot_limit(RedisHuey("t", url=REDIS))
        assert isinstance(robots.LIMITER, robots.RedisRateLimiter)
    finally:
        robots.use_limiter(before)


def test_two_workers_send_twenty_a_minute_to_one_robot_together(databases, tmp_path):
    client = _redis()
    gateways = Gateways().start()
    webhook = gateways.wecom_webhook()
    url = databases.new("robots")
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
    with Session(engine) as session:
        region = Region(names={"en": "Street"}, level=RegionLevel.STREET, code="robots")
        session.add(region)
        session.flush()
        community = Community(region_id=region.id, slug="robots", names={"en": "Robots"})
        session.add(community)
        session.flush()
        given = channels.ChannelInput("wecom", "Office group", True, {}, {"webhook": webhook})
        channels.add(session, VAULT, SYSTEM, community.id, given)
        for n in range(MESSAGES):
            add(
                session,
                community.id,
                Recipient("group", None, "en"),
                ["wecom"],
                "escalated",
                {"number": f"T-{n}"},
            )
        session.commit()
    started = datetime.now(UTC)
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

    def settled() -> dict[str, int]:
        """How many messages are in each state; a pending one counts as "waiting" only once it was tried."""
        with Session(engine) as session:
            rows = session.execute(select(OutboxMessage.status, OutboxMessage.last_error)).all()
        states = [WAITING if s == OutboxStatus.PENDING and error else s for s, error in rows]
        return {s: states.count(s) for s in set(states)}

    try:
        deadline = time.monotonic() + 50  # before any retry is due (a minute after the first message)
        # Every message tried once: 20 delivered, the rest given back to wait for the robot's next minute. (A
        # pending message with no error was not tried yet: stopping then would leave a worker's turn untested.)
        while settled() != {OutboxStatus.DELIVERED: 20, WAITING: MESSAGES - 20}:
            assert time.monotonic() < deadline, settled()
            time.sleep(0.2)
        # No message is claimed (SENDING): a worker claims and commits before it sends, so no request to the
        # robot is in flight now, and none can start before the robot's next minute. Stop them here.
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(10)
        gateways.stop()
        create_app(
            {
                "database_url": url,
                "instance_path": tmp_path / "instance",
                "queue_url": REDIS,
                "queue_name": name,
            }
        ).extensions["linli.queue"].huey.flush()
        client.delete("linli:robot:" + hashlib.sha256(webhook.encode()).hexdigest()[:32])
    # Nothing was claimed between the check and the kill: what the robot received is all there was.
    assert settled() == {OutboxStatus.DELIVERED: 20, WAITING: MESSAGES - 20}
    assert len(gateways.received.accepted["wecom"]) == 20
    assert gateways.received.refused["wecom"] == []  # the robot never had to say "too fast"
    with Session(engine) as session:
        waiting = session.execute(
            select(OutboxMessage.last_error, OutboxMessage.attempts, OutboxMessage.next_attempt_at).where(
                OutboxMessage.status == OutboxStatus.PENDING
            )
        ).all()
    assert len(waiting) == MESSAGES - 20
    assert all("allows 20 messages a minute" in (error or "") for error, _, _ in waiting), waiting
    assert {attempts for _, attempts, _ in waiting} == {1}
    # Each tries again when the robot's minute is over, as its words say, not after the usual first 30 s (it
    # would only be refused again, and use up another of its attempts).
    assert min(when for _, _, when in waiting) >= started + timedelta(seconds=59)
    engine.dispose()
