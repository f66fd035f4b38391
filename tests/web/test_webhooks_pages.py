"""The console's webhooks pages (issue 19): an administrator registers a webhook and sees its secret once, in
every locale; bad input (a plain http address, an unknown event) is a translated 400 with the form kept;
every other role gets 403 on every webhook route (enumerated from the URL map); turning one off is audited."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.conftest import csrf_token
from webapp.config import LOCALES
from webapp.domain.webhooks.events import EVENTS
from webapp.models import AuditEntry, Role, Webhook
from webapp.staff.webhooks import ERRORS, EVENT_WORDS


def _form(client, page_text, **fields):
    token = csrf_token(client, "/staff/webhooks")
    where = re.search(r'<select id="where" name="where"><option value="(\d+)"', page_text).group(1)
    data = {
        "csrf_token": token,
        "name": "区级看板",
        "url": "https://dashboard.example.org/linli",
        "where": where,
        "events": ["ticket.created", "ticket.changed"],
        "key": "",
        "scopes": ["tickets:read"],
    }
    data.update(fields)
    return client.post("/staff/webhooks", data=data)


def test_every_event_has_words():
    assert set(EVENT_WORDS) == set(EVENTS)


@pytest.mark.parametrize("locale", LOCALES)
def test_admin_registers_a_webhook_and_sees_the_secret_once(client, auth, session, locale):
    client.set_cookie("linli_locale", locale)
    auth.sign_in("admin")
    page = client.get("/staff/webhooks")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    made = _form(client, page.get_data(as_text=True))
    assert made.status_code == 201
    text = made.get_data(as_text=True)
    secret = re.search(r'id="made-secret" type="text" readonly value="(whsec_[^"]+)"', text).group(1)
    hook = session.scalar(select(Webhook).where(Webhook.name == "区级看板"))
    assert hook.events == ["ticket.changed", "ticket.created"]
    assert hook.key_id in text
    assert secret not in client.get("/staff/webhooks").get_data(as_text=True)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "webhook.register")) is not None


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"url": "http://dashboard.example.org/linli"}, "url_https"),
        ({"events": ["ticket.deleted"]}, "bad_event"),
        ({"events": ["booking.made"]}, "scope_missing"),
        ({"key": "999999"}, "key_unusable"),
        ({"where": "999999"}, "where_required"),
    ],
)
def test_bad_input_is_a_translated_400_with_the_form_kept(app, client, auth, session, locale, fields, reason):
    client.set_cookie("linli_locale", locale)
    auth.sign_in("admin")
    page = client.get("/staff/webhooks").get_data(as_text=True)
    answer = _form(client, page, **{"name": "看板一号", **fields})
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    with app.test_request_context(), force_locale(locale):
        words = str(ERRORS[reason])
    assert words.replace("'", "&#39;") in text
    assert 'value="看板一号"' in text
    assert 'value="{}"'.format(fields.get("url", "https://dashboard.example.org/linli")) in text
    assert "error-summary" in text
    assert session.scalar(select(Webhook).where(Webhook.name == "看板一号")) is None


def test_turning_a_webhook_off_is_audited(client, auth, session):
    auth.sign_in("admin")
    page = client.get("/staff/webhooks").get_data(as_text=True)
    assert _form(client, page).status_code == 201
    hook = session.scalar(select(Webhook).where(Webhook.name == "区级看板"))
    token = csrf_token(client, "/staff/webhooks")
    assert client.post(f"/staff/webhooks/{hook.id}/disable", data={"csrf_token": token}).status_code == 303
    session.refresh(hook)
    assert hook.disabled_at is not None
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "webhook.disable")) is not None


WEBHOOK_ENDPOINTS = {"webhooks", "webhook_add", "webhook_disable", "webhook_log", "webhook_replay"}


@pytest.mark.parametrize(
    "role", [Role.COMMUNITY_WORKER, Role.PROPERTY_MANAGER, Role.VOLUNTEER, Role.SERVICE_PROVIDER]
)
def test_only_administrators_open_webhook_routes(app, client, auth, make_staff, role):
    make_staff("someone", role)
    auth.sign_in("someone")
    token = csrf_token(client, "/staff/security")
    rules = [
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("staff.") and rule.endpoint.split(".")[-1] in WEBHOOK_ENDPOINTS
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]
    assert len(rules) == 5
    for rule, method in rules:
        url = re.sub(r"<int:\w+>", "1", rule)
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        assert response.status_code == 403, f"{method} {url}"


def test_a_district_admin_opens_both_pages(client, auth):
    auth.sign_in("district")
    assert client.get("/staff/webhooks").status_code == 200
    assert client.get("/staff/webhooks/log").status_code == 200
