"""Security baseline: headers, cookies, CSRF, caching and error pages without stack traces."""

import pytest
from flask import abort

from tests.conftest import csrf_token
from webapp import create_app
from webapp.models import Role


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_or_style_in_pages(kiosk_client):
    client = kiosk_client
    for url in ("/", "/kiosk/", "/kiosk/start", "/staff/sign-in", "/design/kiosk", "/design/phone"):
        html = client.get(url).get_data(as_text=True)
        for forbidden in ("<script>", "style=", "<style", " onclick=", " onload="):
            assert forbidden not in html, url


def test_session_cookie_flags(client, auth, make_staff):
    make_staff("anna")
    response = auth.sign_in("anna")
    cookies = response.headers.getlist("Set-Cookie")
    cookie = next((c for c in cookies if c.startswith("linli_session=")), "")
    assert "linli_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secure_cookies_behind_https(tmp_path, database_url):
    app = create_app({"database_url": database_url, "instance_path": tmp_path, "secure_cookies": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_staff_pages_are_not_stored(client, auth, make_staff):
    make_staff("anna")
    auth.sign_in("anna")
    assert client.get("/staff/").headers["Cache-Control"] == "no-store"
    assert client.get("/staff/sign-in", follow_redirects=True).headers["Cache-Control"] == "no-store"


def test_versioned_static_files_are_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    url = html.split('href="/static/css/base.css?v=')[1].split('"')[0]
    response = client.get(f"/static/css/base.css?v={url}")
    assert response.cache_control.max_age == 365 * 24 * 3600


def test_post_without_csrf_token_is_refused_in_words(client):
    client.set_cookie("linli_locale", "en")
    response = client.post("/prefs", data={"locale": "en"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "code", "text"),
    [
        ("/no-such-page", 404, "找不到页面"),
        ("/kiosk/no-such-page", 404, "找不到页面"),
        ("/staff/no-such-page", 404, "找不到页面"),
        ("/kiosk/start", 405, "操作没有成功"),
    ],
)
def test_error_pages_are_translated(client, url, code, text):
    response = (
        client.post(url, data={"csrf_token": csrf_token(client, "/")}) if code == 405 else client.get(url)
    )
    assert response.status_code == code
    body = response.get_data(as_text=True)
    assert text in body
    assert '<html lang="zh-Hans"' in body


def test_error_page_uses_the_face_layout(kiosk_client):
    client = kiosk_client
    assert "theme-kiosk" in client.get("/kiosk/nope").get_data(as_text=True)
    assert "theme-phone" in client.get("/nope").get_data(as_text=True)


@pytest.fixture
def crashing_app(tmp_path, database_url):
    app = create_app({"database_url": database_url, "instance_path": tmp_path})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals /c/token123")

    @app.get("/forbidden")
    def forbidden():
        abort(403)

    return app


def test_unexpected_error_is_a_translated_500_without_trace(crashing_app, caplog):
    client = crashing_app.test_client()
    client.set_cookie("linli_locale", "en")
    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "Traceback" not in body
    assert "secret internals" not in body
    forbidden = client.get("/forbidden")
    assert forbidden.status_code == 403
    assert "This page is not for you" in forbidden.get_data(as_text=True)


def session_cookies(response) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("linli_session=")]


def test_only_a_request_that_changes_the_session_sends_it_back(kiosk_client, session, make_resident):
    """Responses overtake each other: one that merely repeats the session it was sent with, arriving after a scan
    answered, would put the old cookie back and end the new visit (seen with the kiosk's service worker)."""
    from webapp.domain.identity.cards import issue_card
    from webapp.domain.privacy.audit import SYSTEM

    client = kiosk_client
    first = client.get("/kiosk/")  # the page's CSRF token is stored in a new session
    assert session_cookies(first)
    for url in (
        "/static/css/base.css",
        "/static/icons/sprite.svg",
        "/kiosk/",
        "/kiosk/notices",
        "/notices",
        "/",
    ):
        assert session_cookies(client.get(url)) == [], url
    card = issue_card(session, SYSTEM, make_resident("周阿姨", age=81))
    session.commit()
    token = csrf_token(client, "/kiosk/")
    scan = client.post(
        "/kiosk/identify", data={"scan": card.url("https://linli.example"), "csrf_token": token}
    )
    assert scan.get_json()["ok"] is True
    assert session_cookies(scan)  # the visit is a real change
    assert session_cookies(client.get("/static/js/kiosk.js")) == []
    assert "周阿姨" in client.get("/kiosk/home").get_data(as_text=True)


def test_staff_sign_out_cannot_be_undone_by_a_late_response(client, auth, make_staff, frozen):
    """A staff page renews the idle clock at most once a minute and static files never do: otherwise every
    response carried the signed-in cookie, and one answered after "Sign out" signed the person back in."""
    make_staff("lin", Role.ADMIN)
    auth.sign_in("lin")
    client.get("/staff/")  # shows (and so removes) the sign-in message
    frozen.advance(seconds=5)
    assert session_cookies(client.get("/static/css/base.css")) == []
    frozen.advance(seconds=5)
    assert session_cookies(client.get("/staff/")) == []  # within the minute: nothing to send
    frozen.advance(seconds=61)
    assert session_cookies(client.get("/staff/"))  # the idle clock moves on
    out = auth.sign_out()
    assert session_cookies(out)  # the signed-out session (only its "You have signed out" message) replaces it
    assert client.get("/staff/").status_code == 302


def test_a_forged_form_is_refused_with_a_mark_in_every_language(client):
    """Fuzz tests tell a CSRF refusal from their own outcome by this header, whatever the page's language."""
    for locale in ("zh_Hans", "zh_Hant", "en"):
        client.set_cookie("linli_locale", locale)
        answer = client.post("/staff/sign-in", data={"username": "x", "password": "y"})
        assert answer.status_code == 400
        assert answer.headers["X-Linli-Refused"] == "csrf"
    plain = client.post("/staff/sign-in", data={"username": "x", "password": "y", "csrf_token": "wrong"})
    assert plain.headers["X-Linli-Refused"] == "csrf"
