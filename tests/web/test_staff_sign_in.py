"""Staff sign-in with argon2 passwords, sign-out, role checks and community scoping."""

from sqlalchemy import select

from tests.conftest import csrf_token
from webapp.models import Community, Kiosk, Region, RegionLevel, Role


def test_console_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/staff/sign-in" in response.headers["Location"]


def test_sign_in_and_out(client, auth, make_staff):
    make_staff("anna")
    response = auth.sign_in("anna")
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"
    page = client.get("/staff/").get_data(as_text=True)
    assert "Tester anna" in page
    assert "桂花社区" in page
    assert auth.sign_out().status_code == 303
    assert client.get("/staff/").status_code == 302


def test_wrong_password_is_said_in_words_and_keeps_the_username(client, auth, make_staff):
    make_staff("anna")
    client.set_cookie("linli_locale", "en")
    response = auth.sign_in("anna", "not-the-password")
    body = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "do not match" in body
    assert 'value="anna"' in body
    assert "not-the-password" not in body


def test_missing_fields_get_inline_errors(client):
    client.set_cookie("linli_locale", "en")
    token = csrf_token(client, "/staff/sign-in")
    response = client.post("/staff/sign-in", data={"csrf_token": token, "username": "", "password": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please enter your username." in body
    assert "Please enter your password." in body
    assert 'aria-invalid="true"' in body


def test_overlong_password_is_a_400(client, make_staff):
    make_staff("anna")
    token = csrf_token(client, "/staff/sign-in")
    response = client.post(
        "/staff/sign-in", data={"csrf_token": token, "username": "anna", "password": "x" * 5000}
    )
    assert response.status_code == 400


def test_next_parameter_cannot_leave_the_site(client, make_staff):
    make_staff("anna")
    token = csrf_token(client, "/staff/sign-in")
    response = client.post(
        "/staff/sign-in?next=https://evil.example/",
        data={"csrf_token": token, "username": "anna", "password": "demo-password-for-tests"},
    )
    assert response.headers["Location"] == "/staff/"


def test_disabling_a_user_ends_their_session(client, auth, make_staff, session):
    user = make_staff("anna")
    auth.sign_in("anna")
    assert client.get("/staff/").status_code == 200
    user.is_active = False
    session.commit()
    assert client.get("/staff/").status_code == 302


def test_session_version_bump_ends_sessions(client, auth, make_staff, session):
    user = make_staff("anna")
    auth.sign_in("anna")
    user.session_version += 1
    session.commit()
    assert client.get("/staff/").status_code == 302


def test_volunteer_may_not_open_kiosk_list(client, auth, make_staff):
    make_staff("vol", Role.VOLUNTEER)
    auth.sign_in("vol")
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/kiosks").status_code == 403


def test_staff_see_only_their_own_community(client, auth, make_staff, session):
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    other = Community(slug="other", region=street, names={"zh_Hans": "梅花社区"})
    session.add(other)
    session.flush()
    session.add(Kiosk(community=other, name="梅花自助机", place="门口"))
    session.commit()
    make_staff("outsider", Role.COMMUNITY_WORKER, community=other)
    auth.sign_in("outsider")
    dashboard = client.get("/staff/").get_data(as_text=True)
    assert "梅花社区" in dashboard
    assert "桂花社区" not in dashboard
    kiosks = client.get("/staff/kiosks").get_data(as_text=True)
    assert "梅花自助机" in kiosks
    assert "1幢大堂自助机" not in kiosks


def test_five_wrong_passwords_a_minute_then_wait(client, auth, make_staff, frozen):
    make_staff("anna")
    client.set_cookie("linli_locale", "en")
    for _ in range(5):
        assert auth.sign_in("anna", "wrong-password").status_code == 401
    blocked = auth.sign_in("anna")  # even the right password waits
    assert blocked.status_code == 429
    assert "Too many tries" in blocked.get_data(as_text=True)
    frozen.advance(seconds=61)
    assert auth.sign_in("anna").status_code == 303
