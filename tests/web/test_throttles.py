"""Guessing is slowed and noticed (issue 14.3, 14.4): kiosk pairing codes, card / hand-off / certificate links
and staff passwords, with the failures counted in the database or in Redis (both real here)."""

from __future__ import annotations

import dataclasses
import logging
import os

import pytest
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD, csrf_token
from webapp.domain.kiosk.devices import start_pairing
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import AuditEntry, Kiosk

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(params=["database", "redis"])
def backend(request, app, monkeypatch):
    """Run the test with failures counted in the database, then in Redis."""
    if request.param == "redis":
        import redis

        client = redis.Redis.from_url(REDIS_TEST_URL)
        try:
            client.ping()
        except redis.RedisError:
            if os.environ.get("CI"):
                pytest.fail("Redis does not answer on 127.0.0.1:6379 (.ci/run starts it)")
            pytest.skip("Redis does not answer on 127.0.0.1:6379")
        client.flushdb()
        zadds = client.info("commandstats").get("cmdstat_zadd", {}).get("calls", 0)
    wanted = {"throttle_store": request.param, "redis_url": REDIS_TEST_URL}
    known = {f.name for f in dataclasses.fields(app.config["LINLI"])}
    settings = dataclasses.replace(app.config["LINLI"], **{k: v for k, v in wanted.items() if k in known})
    monkeypatch.setitem(app.config, "LINLI", settings)
    monkeypatch.delitem(app.extensions, "linli_redis", raising=False)
    yield request.param
    if request.param == "redis":
        counted = client.info("commandstats").get("cmdstat_zadd", {}).get("calls", 0) - zadds
        assert counted > 0, "the failures were not counted in Redis"
        client.flushdb()


def from_address(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    client.set_cookie("linli_locale", "en")
    return client


def bursts(session, rule: str) -> list[AuditEntry]:
    session.expire_all()
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "security.burst")).all()
    return [e for e in entries if (e.detail or {}).get("rule") == rule]


def test_guessing_pairing_codes_is_stopped_then_allowed_again(
    app, backend, client, session, demo_community, frozen, caplog
):
    kiosk = session.scalar(select(Kiosk).where(Kiosk.community_id == demo_community.id))
    code = start_pairing(session, SYSTEM, kiosk)
    session.commit()
    guesser = from_address(client, "203.0.113.7")
    token = csrf_token(guesser, "/kiosk/pair")
    with caplog.at_level(logging.WARNING, logger="linli.security"):
        for n in range(10):
            assert (
                guesser.post("/kiosk/pair", data={"csrf_token": token, "code": f"WRONG{n:03d}"}).status_code
                == 400
            )
    right_too_late = guesser.post("/kiosk/pair", data={"csrf_token": token, "code": code})
    assert right_too_late.status_code == 429
    assert "Too many tries" in right_too_late.get_data(as_text=True)
    assert 800 < int(right_too_late.headers["Retry-After"]) <= 900
    assert "burst of failures: rule pairing.address" in caplog.text
    assert [e.channel for e in bursts(session, "pairing.address")] == ["ip:203.0.113.7"]
    staff_tablet = from_address(app.test_client(), "198.51.100.4")
    other = staff_tablet.post(
        "/kiosk/pair", data={"csrf_token": csrf_token(staff_tablet, "/kiosk/pair"), "code": code}
    )
    assert other.status_code == 303  # another address is not blocked by one guesser
    frozen.advance(minutes=16)
    again = start_pairing(session, SYSTEM, kiosk)
    session.commit()
    assert guesser.post("/kiosk/pair", data={"csrf_token": token, "code": again}).status_code == 303


# What a link that matches nothing answers: a card or a certificate is not found; a hand-over link is "gone"
# (expired, used and unknown ones look alike, so a guesser learns nothing from the answer).
UNKNOWN_LINK = {"/c/": 404, "/h/": 410, "/verify/": 404}


@pytest.mark.parametrize("route", list(UNKNOWN_LINK))
def test_guessing_links_is_slowed_and_noticed(backend, client, session, route, frozen):
    guesser = from_address(client, "203.0.113.9")
    for n in range(20):
        assert guesser.get(f"{route}guess{n:04d}abcdefghijklmnop").status_code == UNKNOWN_LINK[route]
    slowed = guesser.get(f"{route}guess-next-abcdefghijklmnop")
    assert slowed.status_code == 429
    assert "Too many tries" in slowed.get_data(as_text=True)
    assert int(slowed.headers["Retry-After"]) > 0
    assert len(bursts(session, "link.address")) == 1
    neighbour = from_address(client.application.test_client(), "198.51.100.20")
    assert neighbour.get(f"{route}other-abcdefghijklmnopqrst").status_code == UNKNOWN_LINK[route]


def sign_in(client, username: str, password: str = DEMO_PASSWORD):
    token = csrf_token(client, "/staff/sign-in")
    return client.post(
        "/staff/sign-in", data={"username": username, "password": password, "csrf_token": token}
    )


def test_wrong_passwords_for_one_user_never_block_a_colleague_at_the_same_address(
    app, backend, client, make_staff, frozen
):
    make_staff("anna")
    make_staff("bing")
    office = from_address(client, "192.0.2.50")
    for _ in range(5):
        assert sign_in(office, "anna", "wrong-password").status_code == 401
    assert sign_in(office, "anna").status_code == 429
    colleague = from_address(app.test_client(), "192.0.2.50")
    assert sign_in(colleague, "bing").status_code == 303


def test_waits_grow_with_each_further_failure(backend, client, make_staff, frozen):
    make_staff("anna")
    office = from_address(client, "192.0.2.60")
    for _ in range(5):
        sign_in(office, "anna", "wrong-password")
    first = sign_in(office, "anna", "wrong-password")
    assert first.status_code == 429
    assert int(first.headers["Retry-After"]) == 30
    frozen.advance(seconds=31)
    assert sign_in(office, "anna", "wrong-password").status_code == 401
    second = sign_in(office, "anna")
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) == 60
    assert "wait a minute" in second.get_data(as_text=True)


def test_a_guesser_elsewhere_cannot_keep_the_owner_out_of_her_own_browser(
    app, backend, client, session, make_staff, frozen
):
    anna = make_staff("anna")
    own_browser = from_address(client, "192.0.2.70")
    assert sign_in(own_browser, "anna").status_code == 303
    own_browser.post("/staff/sign-out", data={"csrf_token": csrf_token(own_browser, "/staff/")})
    guesser = from_address(app.test_client(), "203.0.113.66")
    for n in range(40):  # five a minute, for eight minutes, from addresses that keep changing
        guesser.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"
        sign_in(guesser, "anna", f"guess-{n}")
        frozen.advance(seconds=12)
    stranger = from_address(app.test_client(), "198.51.100.70")
    assert sign_in(stranger, "anna").status_code == 429  # an unknown browser waits: the account is guarded
    assert sign_in(own_browser, "anna").status_code == 303  # the owner's browser is not locked out
    warnings = bursts(session, "sign_in.user")
    assert [(w.subject_type, w.subject_id) for w in warnings] == [("staff_user", anna.id)]
    page = own_browser.get("/staff/").get_data(as_text=True)
    assert "Security warnings" in page
    assert "Repeated wrong passwords or codes for one account" in page
    assert "(your account)" in page
    admin = from_address(app.test_client(), "192.0.2.80")
    assert sign_in(admin, "admin").status_code == 303
    assert "Repeated wrong passwords or codes for one account" in admin.get("/staff/").get_data(as_text=True)
