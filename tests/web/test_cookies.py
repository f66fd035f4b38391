"""Every cookie follows LINLI_SECURE_COOKIES (issue 14.6): behind a TLS proxy the app may see plain HTTP."""

from sqlalchemy import select

from tests.conftest import csrf_token
from webapp.domain.kiosk.devices import start_pairing
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import Kiosk


def set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_every_cookie_is_secure_when_the_setting_says_so(app, client, session, demo_community, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    kiosk = session.scalar(select(Kiosk).where(Kiosk.community_id == demo_community.id))
    code = start_pairing(session, SYSTEM, kiosk)
    session.commit()
    paired = client.post("/kiosk/pair", data={"csrf_token": csrf_token(client, "/kiosk/pair"), "code": code})
    assert paired.status_code == 303
    phone = app.test_client()
    prefs = phone.post(
        "/prefs", data={"csrf_token": csrf_token(phone, "/staff/sign-in"), "locale": "en", "next": "/"}
    )
    seen = {**set_cookies(paired), **set_cookies(prefs)}
    assert {"linli_kiosk", "linli_locale", "linli_display"} <= set(seen)
    for name, header in seen.items():
        assert "Secure" in header, f"{name} is sent over plain HTTP: {header}"
