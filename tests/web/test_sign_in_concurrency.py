"""Staff sign-in under real concurrency (issue 21): the ~100 ms of argon2 hold no database lock, and guesses
sent at the same moment are still counted one after another by the throttle.

Real commits from several threads against an app on a database of its own (PostgreSQL in CI's second pass,
where the account's row lock orders the guesses; SQLite serialises writers itself). The password hash is
wrapped to look at the database while it is being checked, or to hold every guess at one barrier.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PASSWORD, TEST_KEY, Auth
from webapp import create_app
from webapp.domain.identity import staff as accounts
from webapp.infra.db import database
from webapp.models import Community, Role


@pytest.fixture(scope="module")
def own_app(databases, tmp_path_factory) -> Iterator[Flask]:
    url = databases.seeded("sign_in")
    app = create_app(
        {
            "database_url": url,
            "testing": True,
            "instance_path": tmp_path_factory.mktemp("sign-in"),
            "encryption_key": TEST_KEY,
        }
    )
    with Session(database(app).engine) as session:
        community = session.query(Community).first()
        accounts.create_staff(
            session, "anna", "Tester anna", DEMO_PASSWORD, [(community.id, Role.COMMUNITY_WORKER)]
        )
        session.commit()
    yield app
    database(app).engine.dispose()


def _write_beside(engine: Engine) -> str:
    """A write through another connection, as a kiosk's check-in would make while a sign-in is checked:
    'ok', or the database's refusal (SQLite's write lock or a row lock held by the sign-in)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA busy_timeout = 200")
        else:
            conn.exec_driver_sql("SET lock_timeout = '200ms'")
        try:
            conn.execute(text("UPDATE staff_user SET display_name = display_name WHERE username = 'anna'"))
            conn.commit()
        except Exception as exc:  # noqa: BLE001 (the refusal is the observation)
            return type(exc).__name__ + ": " + str(exc).splitlines()[0]
    return "ok"


def test_a_sign_in_holds_no_lock_while_its_password_is_checked(own_app, monkeypatch):
    """Without this every writing request of the box (a check-in, a report) waits behind each sign-in."""
    seen: list[str] = []
    real = accounts.verify_password

    def checking(password_hash: str | None, password: str) -> bool:
        seen.append(_write_beside(database(own_app).engine))
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", checking)
    client = own_app.test_client()
    assert Auth(client).sign_in("anna").status_code == 303
    assert seen == ["ok"]
    assert client.get("/staff/").status_code == 200


def test_guesses_sent_at_once_are_counted_one_after_another(own_app, monkeypatch):
    """Eight wrong passwords for one account, all past the throttle's first look before any is counted: the
    five the throttle allows are answered "wrong", the other three "wait", as one after another would be.

    The guesses reach the barrier one after another (each starts once the one before it waits there), so
    that only what is tested runs at once: the counting after the hash. Eight first looks at once would only
    queue for SQLite's write lock, and on a loaded machine one of them could wait out the busy timeout."""
    guesses = 8
    together = threading.Barrier(guesses, timeout=30)
    arrived = threading.Semaphore(0)
    here = threading.local()
    real = accounts.verify_password

    def at_once(password_hash: str | None, password: str) -> bool:
        here.reached = True
        arrived.release()
        together.wait()
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", at_once)
    answers: list[int] = []
    lock = threading.Lock()

    def guess() -> None:
        client = own_app.test_client()
        try:
            status = Auth(client).sign_in("anna", "wrong-password").status_code
        finally:
            if not getattr(here, "reached", False):  # answered before the check: fail now, not in 30 s
                together.abort()
                arrived.release()
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
        assert arrived.acquire(timeout=30), "a guess never reached the password check"
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [401] * 5 + [429] * 3
