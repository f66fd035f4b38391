"""The console's API keys page: only administrators (of a community, or district administrators for their
region) open it, in every locale; a key is shown once, listed by its first characters, and revoked."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from webapp.config import LOCALES
from webapp.models import ApiKey, AuditEntry, Role


@pytest.mark.parametrize("locale", LOCALES)
def test_admin_makes_lists_and_revokes_a_key(client, auth, session, locale):
    client.set_cookie("linli_locale", locale)
    auth.sign_in("admin")
    page = client.get("/staff/api-keys")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    token = csrf_token(client, "/staff/api-keys")
    made = client.post(
        "/staff/api-keys",
        data={
            "csrf_token": token,
            "name": "区级看板",
            "where": re.search(r'<option value="(community:\d+)"', page.get_data(as_text=True)).group(1),
            "scopes": ["tickets:read", "figures:read"],
            "expiry": "90",
        },
    )
    assert made.status_code == 201
    secret = re.search(
        r'id="made-key" type="text" readonly value="([^"]+)"', made.get_data(as_text=True)
    ).group(1)
    key = session.scalar(select(ApiKey).where(ApiKey.name == "区级看板"))
    assert key.scopes == ["figures:read", "tickets:read"]
    assert secret not in client.get("/staff/api-keys").get_data(as_text=True)
    assert client.get("/api/v1/communities", headers={"Authorization": f"Bearer {secret}"}).status_code == 403

    revoked = client.post(f"/staff/api-keys/{key.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert (
        client.get(
            "/api/v1/communities/guihua/figures", headers={"Authorization": f"Bearer {secret}"}
        ).status_code
        == 401
    )
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "api_key")).all()
    assert {"api_key.make", "api_key.revoke"} <= set(actions)


def test_bad_form_keeps_values_and_says_why(client, auth, session):
    auth.sign_in("admin")
    token = csrf_token(client, "/staff/api-keys")
    answer = client.post(
        "/staff/api-keys",
        data={"csrf_token": token, "name": "看板", "where": "community:999999", "expiry": "90"},
    )
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert 'value="看板"' in text
    assert "error-summary" in text


@pytest.mark.parametrize(
    "role", [Role.COMMUNITY_WORKER, Role.PROPERTY_MANAGER, Role.VOLUNTEER, Role.SERVICE_PROVIDER]
)
def test_other_roles_get_403(client, auth, make_staff, role):
    make_staff("someone", role)
    auth.sign_in("someone")
    assert client.get("/staff/api-keys").status_code == 403


def test_district_admin_may_make_a_region_key(client, auth):
    auth.sign_in("district")
    page = client.get("/staff/api-keys").get_data(as_text=True)
    assert re.search(r'<option value="region:\d+"', page)


def test_revoking_another_communitys_key_is_404(client, auth, make_staff, session, demo_community):
    from webapp.domain.identity.api_keys import make_key
    from webapp.domain.privacy.audit import SYSTEM

    key = make_key(session, SYSTEM, "theirs", ["tickets:read"], community_id=demo_community.id).key
    session.commit()
    make_staff("worker2", Role.COMMUNITY_WORKER)
    auth.sign_in("worker2")
    token = csrf_token(client, "/staff/")
    assert client.post(f"/staff/api-keys/{key.id}/revoke", data={"csrf_token": token}).status_code == 403
