"""Exactly once through a real worker process killed with SIGKILL mid-way, counted at the receiving server
(issue 17).

1,000 SMS messages (ten each to 100 residents) wait in the outbox; a worker process (4 threads) sends them through
the real Alibaba or Tencent adapter to the local stand-in of that gateway (tests/integration/gateways.py), which,
like the real one, keeps no idempotency key: a message sent twice is accepted twice. After a third have arrived
the worker is killed with SIGKILL from inside the gateway, after it recorded a message and before it answered
(the window no database can close), then a fresh worker is started. A message the dead worker had claimed is taken
over when its lease runs out, and the gateway is asked first whether it accepted it (QuerySendDetails by OutId;
PullSmsSendStatusByPhoneNumber by SessionContext): at the receiving server every message arrived exactly once.
Run with the queue in a SQLite file and in Redis (database 12), each with both gateways.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import TEST_KEY, VAULT
from tests.integration import gateways as gw
from tests.integration.gateways import Gateways
from webapp import create_app, migrations
from webapp.domain.messages import channels
from webapp.domain.messages.channels import ChannelInput
from webapp.domain.messages.outbox import Recipient, add
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra.db import make_engine
from webapp.infra.queue import queue_of
from webapp.models import (
    Community,
    MessagePreference,
    OutboxMessage,
    OutboxStatus,
    Region,
    RegionLevel,
    Resident,
)

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 1000
RESIDENTS = 100  # ten messages each: a query by number lists a handful, as in life


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _channel(gateway: str, servers: Gateways) -> ChannelInput:
    if gateway == "aliyun":
        plain = {
            "access_key_id": gw.ALIYUN_ID,
            "sign_name": "邻里社区",
            "template_ticket": "SMS_100002",
            "endpoint": f"{servers.base}/aliyun/",
        }
        return ChannelInput("sms_aliyun", "Alibaba", True, plain, {"access_key_secret": gw.ALIYUN_SECRET})
    plain = {
        "secret_id": gw.TENCENT_ID,
        "sdk_app_id": "1400006666",
        "sign_name": "邻里社区",
        "template_ticket": "200002",
        "endpoint": f"{servers.base}/tencent/",
    }
    return ChannelInput("sms_tencent", "Tencent", True, plain, {"secret_key": gw.TENCENT_KEY})


def _keys(servers: Gateways, gateway: str) -> Counter[str]:
    """The messages the gateway accepted, counted per key (OutId or SessionContext)."""
    field = "out_id" if gateway == "aliyun" else "session"
    with servers.received.lock:
        return Counter(m[field] for m in servers.received.accepted[gateway])


@pytest.mark.parametrize("gateway", ["aliyun", "tencent"])
@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_killed_worker_delivers_every_message_once(backend, gateway, databases, tmp_path):
    if backend == "redis":
        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url("redis://127.0.0.1:6379/13").ping()
        except redis.exceptions.ConnectionError:
            pytest.skip("no Redis at 127.0.0.1:6379")
    servers = Gateways().start()
    url = databases.new("outbox")
    engine = make_engine(url)
    migrations.upgrade(engine)
    queue_url = "redis://127.0.0.1:6379/13" if backend == "redis" else f"sqlite:///{tmp_path / 'queue.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LINLI_INSTANCE_PATH": str(tmp_path / "instance"),
        "LINLI_ENCRYPTION_KEY": TEST_KEY.hex(),
        "LINLI_SECRET_KEY": "test-secret",
        "LINLI_QUEUE_URL": queue_url,
        "LINLI_QUEUE_NAME": f"linli-test-{uuid.uuid4().hex[:8]}",
        "LINLI_QUEUE_LEASE": "5",  # the takeover after the kill waits this long; a send must stay well within it
        "PYTHONPATH": str(ROOT),
    }
    app = create_app(
        {
            "database_url": url,
            "instance_path": tmp_path / "instance",
            "encryption_key": TEST_KEY,
            "queue_url": queue_url,
            "queue_name": env["LINLI_QUEUE_NAME"],
        }
    )
    tasks = queue_of(app)
    with Session(engine) as session:
        region = Region(names={"en": "Street"}, level=RegionLevel.STREET, code="once")
        session.add(region)
        session.flush()
        community = Community(
            region_id=region.id, slug="exactly-once", names={"en": "Once"}, timezone="Asia/Shanghai"
        )
        session.add(community)
        session.flush()
        channels.add(session, VAULT, SYSTEM, community.id, _channel(gateway, servers))
        people = []
        for n in range(RESIDENTS):
            person = Resident(
                community_id=community.id,
                name=f"Ada Lovelace {n}",
                phone_cipher=VAULT.encrypt("phone", f"1380013{n:04d}"),
                phone_last4=f"{n:04d}",
            )
            session.add(person)
            session.flush()
            session.add(MessagePreference(resident_id=person.id, channels="sms", quiet_start=0, quiet_end=0))
            people.append(person)
        for n in range(MESSAGES):
            recipient = Recipient("resident", people[n % RESIDENTS].id, "en")
            add(session, community.id, recipient, ["sms"], "ticket_note", {"name": "Ada", "number": f"T-{n}"})
        session.commit()
        ids = list(session.scalars(select(OutboxMessage.id)))
    for message_id in ids:
        tasks.deliver(message_id)

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.integration.outbox_worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    killed = threading.Event()
    worker = start()

    def kill_mid_send(name: str, accepted: int) -> None:
        """The third of the messages is accepted: the worker is killed before the gateway answers it, so it
        dies between the gateway's acceptance and its own mark (and its other threads wherever they are)."""
        if accepted == MESSAGES // 3 and not killed.is_set():
            os.kill(worker.pid, signal.SIGKILL)
            killed.set()

    servers.received.after_accept = kill_mid_send
    try:
        assert killed.wait(120), "a third of the messages did not arrive"
        worker.wait(5)
        arrived_before_restart = len(_keys(servers, gateway))
        assert arrived_before_restart < MESSAGES, "the worker was killed too late to prove anything"
        with Session(engine) as s:
            in_flight = s.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENDING))
        worker = start()

        def all_marked() -> bool:
            with Session(engine) as s:
                return (
                    s.scalar(select(func.count()).where(OutboxMessage.status != OutboxStatus.DELIVERED)) == 0
                )

        _wait(all_marked, 120, "every row marked delivered")
    finally:
        worker.kill()
        worker.wait(5)
        servers.stop()
        tasks.huey.flush()
        engine.dispose()
    counted = _keys(servers, gateway)
    with Session(make_engine(url)) as s:
        assert set(counted) == set(
            s.scalars(select(OutboxMessage.key))
        )  # every message, each under its own key
        taken_over = s.scalar(select(func.count()).where(OutboxMessage.attempts > 1))
    # None twice, counted where the person would count it: the gateway keeps no key, so a repeat would show.
    assert [key for key, times in counted.items() if times > 1] == []
    assert len(servers.received.accepted[gateway]) == MESSAGES
    # The kill left messages claimed mid-send, and the gateway was asked about each before it went again.
    assert in_flight >= 1
    assert taken_over >= in_flight
    assert servers.queries[gateway] >= in_flight
