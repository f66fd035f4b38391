"""Every API route, enumerated from the URL map, refuses a missing, unknown, revoked or expired key (401), a
key without the route's scope or of another community (403), and counts a key's calls (429)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.api.conftest import ALL, bearer
from webapp.infra import clock
from webapp.models import ApiKey, AuditEntry

SAMPLE = {"slug": "guihua", "number": "B-0001", "code": "repair-light", "token": "x" * 24, "fmt": "json"}


def api_routes(app) -> list[tuple[str, str, str]]:
    """(method, url, scope) of every route of the API face: a new route is checked without being listed."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/v1", "/open311")):
            continue
        view = app.view_functions[rule.endpoint]
        scope = getattr(view, "api_scope", None)
        assert scope is not None, f"{rule.endpoint} has no guard"
        url = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: SAMPLE[m.group(1)], rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, url, scope.value))
    return found


def call(client, method, url, headers=None):
    if method == "GET":
        return client.get(url, headers=headers)
    return client.post(url, headers=headers, json={})


def test_every_route_is_guarded(app):
    routes = api_routes(app)
    assert len(routes) >= 20  # 12 JSON operations and 8 Open311 ones (each in .json)
    assert {scope for _m, _u, scope in routes} >= {
        "tickets:read",
        "tickets:write",
        "notices:publish",
        "figures:read",
    }


@pytest.mark.parametrize("case", ["missing", "unknown", "revoked", "expired"])
def test_bad_keys_get_401_everywhere(app, client, make_key, case):
    """HTTP's 401 on the JSON API; GeoReport v2's own "403 - Invalid api_key" on Open311."""
    secret = {
        "missing": None,
        "unknown": "linli_" + "A" * 32,
        "revoked": make_key(revoked=True) if case == "revoked" else None,
        "expired": make_key(expires_in=timedelta(minutes=5)) if case == "expired" else None,
    }[case]
    if case == "expired":
        clock.freeze(clock.now() + timedelta(minutes=6))
    try:
        for method, url, _scope in api_routes(app):
            response = call(client, method, url, bearer(secret) if secret else None)
            expected = 401 if url.startswith("/api") else 403
            assert response.status_code == expected, f"{case}: {method} {url} answered {response.status_code}"
            if url.startswith("/api"):
                assert response.mimetype == "application/problem+json"
                assert response.get_json()["status"] == 401
            else:
                assert response.get_json()[0]["code"] == 403
    finally:
        clock.freeze(None)


def test_missing_scope_gets_403_everywhere(app, client, make_key):
    keys = {scope: make_key(scopes=[s for s in ALL if s != scope]) for scope in ALL}
    for method, url, scope in api_routes(app):
        response = call(client, method, url, bearer(keys[scope]))
        assert response.status_code == 403, f"{method} {url} without {scope} answered {response.status_code}"


def test_key_of_another_community_gets_403_everywhere(app, client, make_key, other_community):
    secret = make_key(community=other_community)
    for method, url, _scope in api_routes(app):
        if url.startswith("/open311"):
            url += "?jurisdiction_id=guihua"
        response = call(client, method, url, bearer(secret))
        if url == "/api/v1/communities":  # names no community: lists only the key's own
            assert [c["slug"] for c in response.get_json()["items"]] == [other_community.slug]
            continue
        assert response.status_code == 403, f"{method} {url} answered {response.status_code}"


def test_a_key_is_rate_limited_and_its_use_noted(app, client, make_key, session, monkeypatch):
    monkeypatch.setitem(app.config["LINLI"].extra, "api_calls_per_minute", 3)
    secret = make_key(scopes=["catalog:read"])
    answers = [client.get("/api/v1/communities", headers=bearer(secret)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get("/api/v1/communities", headers=bearer(secret))
    assert limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    session.expire_all()
    key = session.scalar(select(ApiKey).order_by(ApiKey.id.desc()))
    assert key.last_used_at is not None
    bursts = session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "security.burst", AuditEntry.subject_id == key.id
        )
    )
    assert bursts == 1


def test_only_a_hash_is_stored(session, make_key):
    secret = make_key()
    key = session.scalar(select(ApiKey).order_by(ApiKey.id.desc()))
    assert secret not in (key.token_hash, key.prefix)
    assert secret.startswith(key.prefix)
    assert len(key.prefix) < len(secret) // 2


def test_the_json_api_table_names_each_guarded_view_with_its_scope(app, client):
    """The addresses are registered from webapp/api/routes.py and the views imported at their first call: the
    table must name every guarded view, with the scope its guard asks for, and the first call puts it in place."""
    from webapp.api import v1_life, v1_tickets
    from webapp.api.routes import ROUTES, StandIn

    guarded = {
        (module.__name__.rsplit(".", 1)[1], name): view.api_scope
        for module in (v1_life, v1_tickets)
        for name, view in vars(module).items()
        if callable(view)
        and getattr(view, "__module__", None) == module.__name__
        and hasattr(view, "api_scope")
    }
    assert {(route.module, route.view): route.scope for route in ROUTES} == guarded
    for route in ROUTES:
        view = app.view_functions[f"api.{route.view}"]
        assert view is getattr(v1_life if route.module == "v1_life" else v1_tickets, route.view) or (
            isinstance(view, StandIn) and view.api_scope == route.scope
        )
    client.get("/api/v1/communities")
    assert app.view_functions["api.communities"] is v1_tickets.communities
