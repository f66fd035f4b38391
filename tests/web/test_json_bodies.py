"""JSON endpoints read their bodies against a declared shape (issue 14.2): odd JSON is a 400 in words,
never a 500, whatever the client sends."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token, refused_as_forged
from webapp.domain.identity.cards import issue_card
from webapp.domain.identity.pins import set_pin
from webapp.domain.privacy.audit import SYSTEM

DEEP = "{" + '"a":{' * 5000 + "}" * 5001


@pytest.fixture
def phone(client, make_resident, session):
    """A resident signed in on a phone, and the CSRF token its scripts send."""
    resident = make_resident("梁阿伯", age=79)
    set_pin(session, SYSTEM, resident, "482915")
    card = issue_card(session, SYSTEM, resident)
    session.commit()
    client.set_cookie("linli_locale", "en")
    client.get(f"/c/{card.token}")
    assert (
        client.post("/c", data={"csrf_token": csrf_token(client, "/c"), "pin": "482915"}).status_code == 303
    )
    return client, csrf_token(client, "/me/passkeys")


def post_json(client, url, body: str | bytes, token: str):
    return client.post(url, data=body, headers={"Content-Type": "application/json", "X-CSRFToken": token})


@pytest.mark.parametrize(
    "body", ["[1,2]", "1e999999", '{"version": 1e999999}', '{"devices": [1]}', DEEP, "{"]
)
def test_kiosk_heartbeat_refuses_odd_json_in_words(kiosk_client, body):
    kiosk_client.set_cookie("linli_locale", "en")
    token = csrf_token(kiosk_client, "/kiosk/")
    answer = post_json(kiosk_client, "/kiosk/heartbeat", body, token)
    assert answer.status_code == 400
    assert "could not be read" in answer.get_json()["message"]
    good = post_json(kiosk_client, "/kiosk/heartbeat", '{"version": "1", "devices": {"bridge": "ok"}}', token)
    assert good.status_code == 200


def test_push_subscribe_refuses_deep_nesting_in_words(phone):
    client, token = phone
    answer = post_json(client, "/push/subscribe", DEEP, token)
    assert answer.status_code == 400
    assert "could not be read" in answer.get_json()["message"]


def test_json_request_without_csrf_token_gets_a_json_400(phone):
    client, _token = phone
    answer = client.post("/push/subscribe", data="{}", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.is_json
    assert "This form has expired" in answer.get_json()["message"]


def json_endpoints(app) -> list[str]:
    """Every endpoint that reads a JSON body, found by its declared shape."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.redirect_to is None  # an old address (infra.urls.MOVED) has no view
        and getattr(app.view_functions[rule.endpoint], "linli_json_shape", None) is not None
    )


KNOWN = [
    "/family/passkeys",
    "/family/sign-in/passkey",
    "/kiosk/heartbeat",
    "/me/passkeys",
    "/push/subscribe",
    "/sign-in/passkey",
]


def test_every_json_endpoint_declares_its_shape(app):
    assert json_endpoints(app) == KNOWN


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
)
KEYS = ["version", "devices", "endpoint", "keys", "p256dh", "auth", "id", "rawId", "type", "response"]
shaped = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)
bodies = (
    values.map(json.dumps)
    | shaped.map(json.dumps)
    | st.binary(max_size=200)
    | st.integers(1, 6000).map(lambda n: "[" * n + "]" * n)
    | st.sampled_from(["1e999999", "-1e999999", "NaN", "Infinity", "", " ", "nul", '"\\ud800"', "9" * 5000])
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_no_json_body_makes_any_json_endpoint_fail(app, phone, kiosk_token, body):
    client, token = phone
    client.set_cookie("linli_kiosk", kiosk_token)  # the same client is a paired kiosk too
    kiosk_token_csrf = token
    # The control: a well-formed body through the same client, cookies and token is taken.
    good = post_json(client, "/kiosk/heartbeat", '{"version": "1", "devices": {"bridge": "ok"}}', token)
    assert good.status_code == 200, good.status_code
    assert good.is_json
    for url in sorted(set(json_endpoints(app)) | set(KNOWN)):
        if url in (
            "/sign-in/passkey",
            "/family/sign-in/passkey",
        ):  # reach py_webauthn, not the missing challenge
            post_json(client, f"{url}/options", "{}", token)
        answer = post_json(client, url, body, kiosk_token_csrf)
        assert answer.status_code < 500, (url, body)
        assert not refused_as_forged(answer), url  # judged on its body, not refused before the view
        if answer.status_code >= 400:
            assert answer.is_json, (url, body)
            assert answer.get_json()["message"], (url, body)  # said in words
