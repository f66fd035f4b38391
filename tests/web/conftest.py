"""Fixtures for page tests: a resident signed in on a phone as a person would (card link, then the PIN), the
class, notices and committing app that several modules share."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests import factories
from tests.conftest import TEST_KEY, csrf_token
from webapp import create_app
from webapp.domain.identity.cards import issue_card
from webapp.domain.identity.pins import set_pin
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra.db import make_engine
from webapp.models import Course, Notice, Resident

PHONE_PIN = "591736"
PIN_OF_PERSON = "482915"


@pytest.fixture
def signed_in_phone(app, session) -> Callable[[Resident], FlaskClient]:
    """Make a phone (in English) signed in as a resident: a PIN is set, a card issued, its link opened."""

    def make(resident: Resident, locale: str = "en") -> FlaskClient:
        set_pin(session, SYSTEM, resident, PHONE_PIN)
        issued = issue_card(session, SYSTEM, resident)
        session.commit()
        client = app.test_client()
        client.set_cookie("linli_locale", locale)
        client.get(f"/c/{issued.token}")
        client.post("/c", data={"csrf_token": csrf_token(client, "/c"), "pin": PHONE_PIN})
        return client

    return make


@pytest.fixture
def person(make_resident, session) -> Resident:
    """陈阿婆, 86, in the demo's first household, with PIN_OF_PERSON set (the phone tests' resident)."""
    resident = make_resident("陈阿婆", age=86)
    set_pin(session, SYSTEM, resident, PIN_OF_PERSON)
    session.commit()
    return resident


@pytest.fixture
def phone(app, session, person) -> FlaskClient:
    """A phone signed in as `person` (card link + PIN), in English."""
    client = app.test_client()
    client.set_cookie("linli_locale", "en")
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    client.get(f"/c/{issued.token}")
    client.post("/c", data={"csrf_token": csrf_token(client, "/c"), "pin": PIN_OF_PERSON})
    return client


@pytest.fixture
def course(session, demo_community) -> Course:
    """A two-skill phone class (scan a QR code, spot a scam) in the demo community."""
    made = factories.course(session, demo_community)
    session.commit()
    return made


@pytest.fixture
def make_notice(session, demo_community) -> Callable[..., Notice]:
    """make_notice(title, urgent=True, groups=()): a current notice in the demo community, committed."""

    def make(title: str, urgent: bool = True, groups: tuple[str, ...] | list[str] = ()) -> Notice:
        made = factories.notice(session, demo_community, title, urgent, tuple(groups))
        session.commit()
        return made

    return make


@pytest.fixture(scope="module")
def live_sqlite(request, databases, tmp_path_factory) -> Iterator[tuple[Flask, Engine]]:
    """(app, engine) over this module's own copy of the demo on a real SQLite file, committing for real: what
    is under test is SQLite's write lock and transaction upgrade, so on PostgreSQL the module is skipped."""
    if databases.is_postgres:
        pytest.skip("the write lock and deferred-transaction upgrades under test are SQLite's")
    label = request.module.__name__.rsplit(".", 1)[-1]
    url = databases.seeded(label)
    engine = make_engine(url)
    app = create_app(
        {
            "database_url": url,
            "testing": True,
            "instance_path": tmp_path_factory.mktemp(label),
            "encryption_key": TEST_KEY,
        }
    )
    yield app, engine
    engine.dispose()


@pytest.fixture
def one_half_minute(request, monkeypatch) -> None:
    """Kept pages live in the half minute of the clock they were made in. On the real clock a boundary can
    fall between a test's two requests (likelier on a loaded machine) and turn the copy it expects into a
    fresh page; tests that move time use `frozen` and keep the real half minute."""
    if "frozen" in request.fixturenames:
        return
    from webapp.infra import page_cache, personal_pages

    monkeypatch.setattr(page_cache, "SLICE_SECONDS", 10**9)
    monkeypatch.setattr(personal_pages, "SLICE_SECONDS", 10**9)
