"""Guessing staff invitation links (issue 16): an address that keeps trying unknown links is slowed with the
link throttle, every refused link is audited, and expired or used links keep their own translated words.
Failures are counted in the database, then in Redis (database 9: this file's own)."""

from __future__ import annotations

import dataclasses
import os

import pytest
from sqlalchemy import func, select

from webapp.models import AuditEntry

REDIS_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture(params=["database", "redis"])
def backend(request, app, monkeypatch):
    if request.param == "redis":
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        try:
            client.ping()
        except redis.RedisError:
            if os.environ.get("CI"):
                pytest.fail("Redis does not answer on 127.0.0.1:6379")
            pytest.skip("Redis does not answer on 127.0.0.1:6379")
        client.flushdb()
    wanted = {"throttle_store": request.param, "redis_url": REDIS_URL}
    settings = dataclasses.replace(app.config["LINLI"], **wanted)
    monkeypatch.setitem(app.config, "LINLI", settings)
    monkeypatch.delitem(app.extensions, "linli_redis", raising=False)
    yield request.param
    if request.param == "redis":
        client.flushdb()


def test_guessing_invitation_links_is_slowed_and_audited(backend, client, session, frozen):
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    client.set_cookie("linli_locale", "en")
    for n in range(20):
        answer = client.get(f"/staff/invite/guess{n:04d}abcdefghijklmnopqr")
        assert answer.status_code == 404
        assert "This link is not known" in answer.get_data(as_text=True)
    slowed = client.get("/staff/invite/guess-next-abcdefghijklmnop")
    assert slowed.status_code == 429
    assert "Too many tries" in slowed.get_data(as_text=True)
    session.expire_all()
    refused = session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "staff.invite_refused", AuditEntry.result == "denied"
        )
    )
    assert refused == 20
    neighbour = client.application.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "198.51.100.21"
    assert neighbour.get("/staff/invite/other-abcdefghijklmnopqrst").status_code == 404
    frozen.advance(minutes=16)
    assert client.get("/staff/invite/later-abcdefghijklmnopqrst").status_code == 404  # allowed again
