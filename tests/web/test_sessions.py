"""Which changes of browser end a session (issue 14.7): residents in in-app browsers stay signed in; a
staff session is bound to its browser (Flask-Login "strong" protection, docs/security.md)."""

from tests.conftest import csrf_token
from webapp.domain.identity.cards import issue_card
from webapp.domain.identity.pins import set_pin
from webapp.domain.privacy.audit import SYSTEM

WECHAT = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Mobile Safari/537.36 MicroMessenger/8.0.47"
WECHAT_LATER = WECHAT + " NetType/WIFI Language/zh_CN ABI/arm64"
ALIPAY = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AlipayClient/10.5.36 Language/zh-Hans"


def test_a_resident_in_an_in_app_browser_stays_signed_in_when_its_user_agent_changes(
    client, make_resident, session
):
    resident = make_resident("吴阿姨", age=77)
    set_pin(session, SYSTEM, resident, "482915")
    card = issue_card(session, SYSTEM, resident)
    session.commit()
    client.environ_base["HTTP_USER_AGENT"] = WECHAT
    client.get(f"/c/{card.token}")
    assert (
        client.post("/c", data={"csrf_token": csrf_token(client, "/c"), "pin": "482915"}).status_code == 303
    )
    for agent in (WECHAT_LATER, ALIPAY):
        client.environ_base["HTTP_USER_AGENT"] = agent
        me = client.get("/me")
        assert me.status_code == 200
        assert "吴阿姨" in me.get_data(as_text=True)
    client.environ_base["REMOTE_ADDR"] = "10.20.30.40"  # from Wi-Fi to mobile data
    assert "吴阿姨" in client.get("/me").get_data(as_text=True)


def test_a_staff_session_ends_when_another_browser_presents_its_cookie(client, auth, make_staff):
    make_staff("anna")
    client.environ_base["HTTP_USER_AGENT"] = "Firefox/128.0"
    assert auth.sign_in("anna").status_code == 303
    assert client.get("/staff/").status_code == 200
    client.environ_base["HTTP_USER_AGENT"] = "curl/8.5"
    assert client.get("/staff/").headers["Location"].startswith("/staff/sign-in")
