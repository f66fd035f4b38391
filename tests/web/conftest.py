"""Fixtures for page tests: a resident signed in on a phone, as a person would (card link, then the PIN)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.conftest import csrf_token
from webapp.domain.identity.cards import issue_card
from webapp.domain.identity.pins import set_pin
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import Resident

PHONE_PIN = "591736"


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
