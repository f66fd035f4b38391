"""GET views that write, under writers on other connections (issue 14.1: My requests answered 500
"database is locked" on SQLite). Runs on a real SQLite file with real commits, not the rolled-back test
transaction, because the failure needs another connection committing between a read and a write."""

from __future__ import annotations

import re
import threading
import time
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PASSWORD, csrf_token
from webapp.domain.identity.cards import issue_card
from webapp.domain.identity.pins import set_pin
from webapp.domain.kiosk.devices import pair, start_pairing
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import (
    Certificate,
    Community,
    Event,
    Household,
    Kiosk,
    Notice,
    Notification,
    Resident,
    Ticket,
    TimeAccount,
    TrainingSession,
)

ROUNDS = 25


def ids(engine) -> dict[str, str]:
    with Session(engine) as s:
        community = s.scalar(select(Community).where(Community.slug == "guihua"))
        values = {
            "resident_id": s.scalar(select(Resident.id).where(Resident.community_id == community.id)),
            "certificate_id": s.scalar(select(Certificate.id)),
            "notice_id": s.scalar(select(Notice.id)),
            "account_id": s.scalar(select(TimeAccount.id)),
            "class_id": s.scalar(select(TrainingSession.id)),
            "ticket_id": s.scalar(select(Ticket.id)),
            "event_id": s.scalar(select(Event.id)),
            "token": "not-a-real-token-0000000000",
            "code": "NOT-A-CERTIFICATE",
            # The API face (every call counts against its key, so its GETs write).
            "slug": "guihua",
            "number": s.scalar(select(Ticket.number)),
            "fmt": "json",
        }
    return {k: str(v) for k, v in values.items() if v is not None}


def phone_resident(app, engine):
    """A resident signed in on a phone (card + PIN), with a ticket."""
    with Session(engine) as s:
        community = s.scalar(select(Community).where(Community.slug == "guihua"))
        resident = Resident(
            community=community,
            household=s.scalar(select(Household)),
            name="并发测试",
            birth_date=date(1944, 1, 1),
        )
        s.add(resident)
        s.flush()
        set_pin(s, SYSTEM, resident, "482915")
        card = issue_card(s, SYSTEM, resident)
        s.commit()
        resident_id = resident.id
    client = app.test_client()
    client.get(f"/c/{card.token}")
    signed = client.post("/c", data={"csrf_token": csrf_token(client, "/c"), "pin": "482915"})
    assert signed.status_code == 303
    return client, resident_id


def staff_client(app):
    client = app.test_client()
    token = csrf_token(client, "/staff/sign-in")
    signed = client.post(
        "/staff/sign-in", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 303
    return client


def kiosk_client(app, engine):
    with Session(engine) as s:
        kiosk = s.scalar(select(Kiosk))
        code = start_pairing(s, SYSTEM, kiosk)
        _kiosk, token = pair(s, code)
        s.commit()
    client = app.test_client()
    client.set_cookie("linli_kiosk", token)
    return client


def api_client(app, engine):
    """Another system, with a key that may read everything (each call is counted: a write)."""
    from webapp.domain.identity.api_keys import Scope, make_key

    with Session(engine) as s:
        community = s.scalar(select(Community).where(Community.slug == "guihua"))
        made = make_key(s, SYSTEM, "concurrency", [x.value for x in Scope], community_id=community.id)
        s.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {made.secret}"
    return client


def writing_get_routes(app) -> list[tuple[str, str, list[str]]]:
    """Every GET route whose view says it writes: (endpoint, rule, its parameters)."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.redirect_to is not None:  # an old address (infra.urls.MOVED) has no view
            continue
        view = app.view_functions[rule.endpoint]
        if "GET" in (rule.methods or ()) and getattr(view, "linli_writes", False):
            found.append((rule.endpoint, rule.rule, sorted(rule.arguments)))
    return found


def test_every_writing_get_route_survives_concurrent_writers(live_sqlite):
    app, engine = live_sqlite
    values = ids(engine)
    phone, resident_id = phone_resident(app, engine)
    api = api_client(app, engine)
    clients = {
        "staff": staff_client(app),
        "kiosk": kiosk_client(app, engine),
        "resident": phone,
        "api": api,
        "open311": api,
    }
    routes = writing_get_routes(app)
    marked = {r[0] for r in routes}
    if "resident.my_tickets" not in marked:  # the page of issue 14, whether or not it says it writes
        routes.append(("resident.my_tickets", "/tickets", []))

    stop = threading.Event()
    written = [0]

    def writer() -> None:
        """News for the resident, committed without pause: what makes a deferred read-then-write fail.
        On a loaded machine SQLite's busy handler (it sleeps and polls, it does not queue) can leave this
        thread without the lock for its 5 s while the requests below take it in turn: it then tries again
        (what it tests is the requests' answers, and that it wrote beside them at all)."""
        while not stop.is_set():
            try:
                with Session(engine) as s:
                    s.add(Notification(resident_id=resident_id, kind="status", detail="accepted"))
                    s.commit()
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                continue
            written[0] += 1
            time.sleep(0.001)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    failures = []
    try:
        for endpoint, rule, arguments in routes:
            missing = [a for a in arguments if a not in values]
            assert not missing, f"{rule}: give this test a value for {missing}"
            url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule)
            client = clients.get(endpoint.split(".")[0], phone)
            for _ in range(ROUNDS):
                try:
                    response = client.get(url)
                except (
                    Exception
                ) as exc:  # testing: an error propagates (UndeclaredWrite, "database is locked")
                    failures.append(f"{url}: {type(exc).__name__}: {exc}"[:300])
                    break
                if response.status_code >= 500:
                    failures.append(f"{url}: {response.status_code}")
                    break
    finally:
        stop.set()
        thread.join(10)
    assert written[0] > ROUNDS, "the writer did not run alongside"
    assert not failures, failures
    assert "resident.my_tickets" in marked, "My requests marks news as seen: it writes"


class Spy:
    """The real PIN hasher, asking on each check whether another connection could write meanwhile."""

    def __init__(self, real, engine) -> None:
        self.real, self.engine, self.seen = real, engine, []

    def hash(self, pin: str) -> str:
        return self.real.hash(pin)

    def verify(self, pin_hash: str, pin: str) -> bool:
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA busy_timeout=200")
            try:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("ROLLBACK")
                self.seen.append("another writer got in")
            except Exception as exc:  # sqlite3.OperationalError: database is locked
                self.seen.append(str(exc))
        finally:
            raw.close()
        return self.real.verify(pin_hash, pin)


def test_checking_a_pin_does_not_hold_the_write_lock(live_sqlite, monkeypatch):
    """300 phones signing in at once queued behind each other's argon2 work until SQLite's 5 s busy timeout
    said "database is locked" (benchmarks/lobby_load.py): the hash is checked holding no lock."""
    from webapp.domain.identity import pins

    app, engine = live_sqlite
    spy = Spy(pins._pin_hasher, engine)
    with Session(engine) as s:
        resident = Resident(
            community=s.scalar(select(Community).where(Community.slug == "guihua")),
            household=s.scalar(select(Household)),
            name="锁测试",
            birth_date=date(1950, 5, 5),
        )
        s.add(resident)
        s.flush()
        set_pin(s, SYSTEM, resident, "482915")
        card = issue_card(s, SYSTEM, resident)
        s.commit()
    monkeypatch.setattr(pins, "_pin_hasher", spy)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"  # not the address that guessed links above
    client.get(f"/c/{card.token}")
    signed = client.post("/c", data={"csrf_token": csrf_token(client, "/c"), "pin": "482915"})
    assert signed.status_code == 303
    assert spy.seen == ["another writer got in"]
