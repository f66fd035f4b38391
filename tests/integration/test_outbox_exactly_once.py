"""Exactly once through a real worker process killed with SIGKILL mid-way (issue 17).

1,000 SMS messages wait in the outbox; a worker process (4 threads) sends them to a local receiving server.
After a few hundred have arrived the worker is killed with SIGKILL, then a fresh worker is started. At the
receiving server: every message arrived, and none was delivered twice. The receiving server honours the
idempotency key as a gateway does: a worker killed after the gateway accepted a message but before marking it
delivered leaves the row claimed; once the claim's lease runs out the message is sent again with the same key
and the gateway drops the repeat. The raw requests show that window: at most one repeat per worker thread.
Run once with the queue in a SQLite file and once in Redis (database 12).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import TEST_KEY, VAULT
from webapp import create_app, migrations
from webapp.domain.messages.outbox import Recipient, add
from webapp.infra.db import make_engine
from webapp.infra.queue import queue_of
from webapp.models import (
    ChannelSetting,
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
THREADS = 4


class Gateway(BaseHTTPRequestHandler):
    lock = threading.Lock()
    requests: Counter[str] = Counter()

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with Gateway.lock:
            Gateway.requests[body["key"]] += 1
            repeat = Gateway.requests[body["key"]] > 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"duplicate": true}' if repeat else b'{"ok": true}')

    def log_message(self, *args: object) -> None:
        pass


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_killed_worker_delivers_every_message_once(backend, databases, tmp_path):
    if backend == "redis":
        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url("redis://127.0.0.1:6379/12").ping()
        except redis.exceptions.ConnectionError:
            pytest.skip("no Redis at 127.0.0.1:6379")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Gateway.requests = Counter()
    url = databases.new("outbox")
    engine = make_engine(url)
    migrations.upgrade(engine)
    queue_url = "redis://127.0.0.1:6379/12" if backend == "redis" else f"sqlite:///{tmp_path / 'queue.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LINLI_INSTANCE_PATH": str(tmp_path / "instance"),
        "LINLI_ENCRYPTION_KEY": TEST_KEY.hex(),
        "LINLI_SECRET_KEY": "test-secret",
        "LINLI_QUEUE_URL": queue_url,
        "LINLI_QUEUE_NAME": f"linli-test-{uuid.uuid4().hex[:8]}",
        "LINLI_QUEUE_LEASE": "2",
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
        person = Resident(
            community_id=community.id,
            name="Ada Lovelace",
            phone_cipher=VAULT.encrypt("phone", "13800138000"),
            phone_last4="8000",
        )
        session.add(person)
        session.flush()
        session.add(MessagePreference(resident_id=person.id, channels="sms", quiet_start=0, quiet_end=0))
        session.add(
            ChannelSetting(
                community_id=community.id,
                kind="sms_file",
                label="Test gateway",
                settings={"path": f"http://127.0.0.1:{server.server_port}/sms"},
            )
        )
        recipient = Recipient("resident", person.id, "en")
        for n in range(MESSAGES):
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

    worker = start()
    try:
        _wait(lambda: len(Gateway.requests) >= MESSAGES // 3, 90, "a third of the messages")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(5)
        arrived_before_restart = len(Gateway.requests)
        assert arrived_before_restart < MESSAGES, "the worker was killed too late to prove anything"
        worker = start()
        _wait(lambda: len(Gateway.requests) == MESSAGES, 90, "every message at the gateway")

        def all_marked() -> bool:
            with Session(engine) as s:
                return (
                    s.scalar(select(func.count()).where(OutboxMessage.status != OutboxStatus.DELIVERED)) == 0
                )

        _wait(all_marked, 30, "every row marked delivered")
    finally:
        worker.kill()
        worker.wait(5)
        server.shutdown()
        tasks.huey.flush()
        engine.dispose()
    keys = {f"{key}" for key in Gateway.requests}
    with Session(make_engine(url)) as s:
        assert keys == set(s.scalars(select(OutboxMessage.key)))  # every message, each under its own key
    repeats = sum(count - 1 for count in Gateway.requests.values())
    # Only messages in flight when the worker died may be sent again, and the gateway dropped those repeats.
    assert repeats <= THREADS, Gateway.requests.most_common(THREADS + 1)
