"""A district loses an app server under load (issue 20): nginx moves the traffic, nothing is lost or doubled.

The kill-and-count part of benchmarks/district.py at a tiny scale, with real processes on loopback: PostgreSQL,
Redis, nginx running the deploy site (TLS, self-signed) in front of two gunicorn app servers. Phones signed in with
card and PIN send requests the way the phone's outbox does (JSON, an Idempotency-Key, the same key again after a
5xx or a dropped connection) while one app server is killed with SIGKILL (master and workers) and started again.
Afterwards the database is counted: every submission a phone saw succeed is there exactly once.
"""

from __future__ import annotations

import importlib.util
import os
import random
import re
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
import urllib3

from webapp.config import normalise_database_url

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'(?:name="csrf_token"[^>]*value|data-csrf)="([^"]+)"')
OWNER = re.compile(r'data-owner="([^"]*)"')
PHONES = 6
LOAD_SECONDS = 20
KILL_AT = 7.0


def _rig() -> ModuleType:
    spec = importlib.util.spec_from_file_location("district_rig", ROOT / "benchmarks" / "district_rig.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["district_rig"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


rig = _rig()


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}: .ci/run provides it, so this test must run in CI")
    pytest.skip(f"{what}: the district kill test needs it")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _postgres() -> str:
    """The run's PostgreSQL server when the suite runs on one, else the local default (a database of its own
    either way). CI runs this test once, in its PostgreSQL pass: the SQLite pass would repeat it unchanged."""
    configured = normalise_database_url(os.environ.get("DATABASE_URL", ""))
    if configured.startswith("postgresql"):
        return configured
    if os.environ.get("CI") == "true":
        pytest.skip("the district runs on PostgreSQL: CI runs this test in its PostgreSQL pass")
    return str(rig.PG)


@pytest.fixture
def district() -> Iterator[Any]:
    pg = _postgres()
    if rig.nginx_binary() is None:
        _missing("nginx is not installed (apt-get install nginx)")
    if not _answers("127.0.0.1", 5432):
        _missing("PostgreSQL does not answer on 127.0.0.1:5432")
    if not _answers("127.0.0.1", 6379):
        _missing("Redis does not answer on 127.0.0.1:6379")
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    with rig.District(app_servers=2, app_workers=1, pg=pg) as made:
        made.seeded = made.seed(2, 300, 400, 1, PHONES)
        made.start()
        yield made


class Phone(threading.Thread):
    """A resident's phone: signed in with card and PIN, reading a page and sending a request in turn."""

    def __init__(self, base: str, card: str, answers: list[tuple[float, str, int]], stop: float) -> None:
        super().__init__(daemon=True)
        self.base, self.card, self.answers, self.stop = base, card, answers, stop
        self.acked: list[tuple[float, str]] = []
        self.refused: list[tuple[Any, ...]] = []
        self.http = requests.Session()
        self.http.verify = False  # the rig's self-signed certificate
        self.http.trust_env = False  # loopback: no proxy, and no CA bundle from the environment
        self.http.headers.update({"Referer": base + "/", "X-Bench-Device": uuid.uuid4().hex})

    def call(self, kind: str, method: str, path: str, **kw: Any) -> requests.Response | None:
        try:
            response = self.http.request(method, self.base + path, timeout=30, **kw)
        except requests.RequestException:
            self.answers.append((time.time(), kind, 0))
            return None
        self.answers.append((time.time(), kind, response.status_code))
        return response

    def run(self) -> None:
        self.http.get(f"{self.base}/c/{self.card}", allow_redirects=False)
        token = CSRF.search(self.http.get(self.base + "/c").text).group(1)  # type: ignore[union-attr]
        self.http.post(self.base + "/c", data={"csrf_token": token, "pin": rig.PIN})
        me = self.http.get(self.base + "/me").text
        token, owner = CSRF.search(me).group(1), OWNER.search(me).group(1)  # type: ignore[union-attr]
        while time.time() < self.stop:
            self.call("page", "GET", random.choice(["/", "/me", "/tickets", "/notices"]))
            key = rig.new_key()
            form = {
                "csrf_token": token,
                "a_urgent": "no",
                "a_details": "kill test",
                "where": "common",
                "place": rig.MARK + key,
            }
            headers = {"Idempotency-Key": key, "Outbox-Owner": owner, "Accept": "application/json"}
            for _attempt in range(10):  # the outbox sends the same entry again until it has an answer
                answer = self.call("submit", "POST", "/ask/repair-lift/review", data=form, headers=headers)
                if answer is not None and answer.status_code < 500:
                    if answer.status_code == 201:
                        self.acked.append((time.time(), key))
                    else:  # counted as a failure by the test, with what the phone saw
                        self.refused.append(
                            (
                                round(time.time() - self.stop, 1),
                                answer.status_code,
                                answer.url,
                                [r.status_code for r in answer.history],
                                answer.text[:80],
                            )
                        )
                    break
                time.sleep(0.5)


@pytest.mark.every_database  # its own PostgreSQL database, on the run's server (see _postgres)
def test_an_app_server_killed_under_load_loses_and_doubles_nothing(district: Any) -> None:
    answers: list[tuple[float, str, int]] = []
    started = time.time()
    phones = [
        Phone(district.base, card, answers, started + LOAD_SECONDS) for card in district.seeded["cards"]
    ]
    for phone in phones:
        phone.start()
    time.sleep(KILL_AT)
    killed_at = district.kill_app(1)
    time.sleep(2)
    restarted_at = time.time()
    ready_at = district.start_app(1)
    for phone in phones:
        phone.stop = max(phone.stop, ready_at + 3)  # some load after the restart, however slow it was
        phone.join(timeout=120)

    refused = [row for phone in phones for row in phone.refused]
    assert refused == [], f"submissions refused: {refused}"
    acked = {key: at for phone in phones for at, key in phone.acked}
    stored = district.submissions()
    assert acked, "no submission succeeded at all"
    assert any(at > killed_at for at in acked.values()), "nothing succeeded after the kill"
    lost = [
        (key, stored.get(key, 0), round(acked[key] - killed_at, 1)) for key in acked if stored.get(key) != 1
    ]
    keys = district.keys_stored([key for key, _n, _at in lost]) if lost else {}
    assert lost == [], (
        f"acknowledged submissions not stored once (key, tickets, s after kill): {lost}; {keys}"
    )
    assert {n for n in stored.values()} == {1}, "a submission was stored twice"

    window = (killed_at - 1, ready_at + 2)
    outside = [(round(t - started, 1), kind, s) for t, kind, s in answers if (s >= 500 or s == 0)]
    outside = [row for row in outside if not window[0] - started <= row[0] <= window[1] - started]
    assert outside == [], f"5xx or dropped answers outside the kill window: {outside}"

    ok_while_down = [s for t, _k, s in answers if killed_at < t < restarted_at and 200 <= s < 400]
    assert ok_while_down, "nothing was served while one app server was down"
    dead = f"127.0.0.1:{district.servers[1].port}"
    proxied = district.upstream_log()
    assert any(killed_at < t < restarted_at and s < 500 and dead not in u for t, s, u in proxied)
    assert any(t > ready_at and u == dead for t, _s, u in proxied), "the restarted server got no traffic"
