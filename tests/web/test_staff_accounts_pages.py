"""Staff accounts in the console (issue 16 item 4): what an administrator and the invited colleague see,
the refusals in words (never a 500), and that a disabled account's sessions end at once."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import Auth, csrf_token, once_per_test, refused_in_words
from webapp.models import AuditEntry, Community, Region, RegionLevel, Role, StaffInvitation, StaffUser

PASSWORD = "a-long-colleague-password"
LINK_RE = re.compile(r"(/staff/invite/[A-Za-z0-9_-]+)")


def invite(client, community_id, role="community_worker", name="刘芳", provider=""):
    token = csrf_token(client, "/staff/accounts")
    data = {"csrf_token": token, "display_name": name, "community_id": str(community_id), "role": role}
    return client.post("/staff/accounts", data={**data, "provider": provider})


def link_of(response):
    match = LINK_RE.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1)


def accept(client, path, username="liu.fang", password=PASSWORD, confirm=None):
    token = csrf_token(client, path)
    return client.post(
        path,
        data={
            "csrf_token": token,
            "username": username,
            "display_name": "",
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


def invitations(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(StaffInvitation.id)))


def staff_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(StaffUser.id)))


@pytest.fixture
def admin_client(client, auth):
    auth.sign_in("admin")
    return client


def test_invite_accept_and_sign_in_as_the_new_colleague(app, admin_client, demo_community, session):
    response = invite(admin_client, demo_community.id)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<svg" in page  # the QR
    path = link_of(response)
    newcomer = app.test_client()
    form = newcomer.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Community worker" in form
    assert accept(newcomer, path).status_code == 303
    Auth(newcomer).sign_in("liu.fang", PASSWORD)
    home = newcomer.get("/staff/").get_data(as_text=True)
    assert "刘芳" in home
    # The link worked once.
    again = app.test_client().get(path, headers={"Accept-Language": "en"})
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    listing = admin_client.get("/staff/accounts").get_data(as_text=True)
    assert "liu.fang" in listing


def test_a_taken_username_keeps_the_form_and_says_why(app, admin_client, demo_community):
    path = link_of(invite(admin_client, demo_community.id))
    newcomer = app.test_client()
    response = accept(newcomer, path, username="worker")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "用户名已被占用" in page
    assert 'value="worker"' in page  # the form is kept
    mismatch = accept(newcomer, path, username="new.person", confirm="something-else-entirely")
    assert mismatch.status_code == 400
    assert "两次输入的密码不一样" in mismatch.get_data(as_text=True)


def test_an_unknown_or_expired_link_is_explained(app, admin_client, demo_community, frozen):
    path = link_of(invite(admin_client, demo_community.id))
    frozen.advance(hours=73)
    expired = app.test_client().get(path, headers={"Accept-Language": "zh-TW"})
    assert expired.status_code == 410
    assert "72" in expired.get_data(as_text=True)
    unknown = app.test_client().get("/staff/invite/not-a-real-token")
    assert unknown.status_code == 404
    assert "请向管理员要一个新链接" in unknown.get_data(as_text=True)


def test_no_role_outside_ones_communities(admin_client, session):
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    other = Community(slug="meihua", region=street, names={"zh_Hans": "梅花社区"})
    session.add(other)
    session.commit()
    response = invite(admin_client, other.id)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "不能授予高于自己" in page
    assert 'value="刘芳"' in page


def test_the_last_admin_cannot_remove_their_own_admin_role(admin_client, session, demo_community):
    admin = session.scalar(select(StaffUser).where(StaffUser.username == "admin"))
    role = next(r for r in admin.roles if r.role == Role.ADMIN)
    token = csrf_token(admin_client, f"/staff/accounts/{admin.id}")
    response = admin_client.post(
        f"/staff/accounts/{admin.id}/roles/{role.id}/remove", data={"csrf_token": token}
    )
    assert response.status_code == 409
    assert "至少保留一位" in response.get_data(as_text=True)
    session.refresh(admin)
    assert any(r.role == Role.ADMIN for r in admin.roles)


def test_disabling_ends_the_colleagues_session_at_once(app, admin_client, make_staff, session):
    worker = make_staff("worker9", Role.COMMUNITY_WORKER)
    theirs = app.test_client()
    Auth(theirs).sign_in("worker9")
    assert theirs.get("/staff/").status_code == 200
    token = csrf_token(admin_client, f"/staff/accounts/{worker.id}")
    assert (
        admin_client.post(f"/staff/accounts/{worker.id}/disable", data={"csrf_token": token}).status_code
        == 303
    )
    assert theirs.get("/staff/").status_code == 302  # signed out
    assert Auth(theirs).sign_in("worker9").status_code == 401
    assert (
        admin_client.post(f"/staff/accounts/{worker.id}/enable", data={"csrf_token": token}).status_code
        == 303
    )
    assert Auth(theirs).sign_in("worker9").status_code == 303
    reset = admin_client.post(f"/staff/accounts/{worker.id}/password-reset", data={"csrf_token": token})
    path = link_of(reset)
    assert theirs.get("/staff/").status_code == 302  # the reset ended that session too
    assert accept(app.test_client(), path).status_code == 303
    assert Auth(app.test_client()).sign_in("worker9", PASSWORD).status_code == 303
    actions = set(
        session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.subject_type == "staff_user", AuditEntry.subject_id == worker.id
            )
        )
    )
    assert {"staff.disable", "staff.enable", "staff.password_reset", "staff.password_set"} <= actions


def new_routes(app):
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("staff.account")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    )


@pytest.mark.parametrize(
    "role",
    [Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.PROPERTY_MANAGER, Role.VOLUNTEER, Role.SERVICE_PROVIDER],
)
def test_only_administrators_open_staff_accounts(app, client, auth, make_staff, session, role):
    make_staff("someone", role)
    auth.sign_in("someone")
    admin = session.scalar(select(StaffUser).where(StaffUser.username == "admin"))
    token = csrf_token(client, "/staff/security")
    routes = new_routes(app)
    assert len(routes) >= 8
    for rule, method in routes:
        url = (
            rule.replace("<int:user_id>", str(admin.id))
            .replace("<int:role_id>", str(admin.roles[0].id))
            .replace("<int:region_role_id>", "1")
        )
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        assert response.status_code == 403, f"{method} {url}"
    session.refresh(admin)
    assert admin.is_active


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(max_size=80),
    username=st.text(max_size=80),
    password=st.text(max_size=300),
    role=st.sampled_from(["admin", "volunteer", "service_provider", "nonsense", ""]),
    community=st.sampled_from(["1", "0", "-1", "x", "99999999999999999999", ""]),
)
def test_fuzz_the_new_forms_never_fail(
    app, admin_client, session, demo_community, name, username, password, role, community
):
    token = csrf_token(admin_client, "/staff/accounts")
    data = {
        "csrf_token": token,
        "display_name": name,
        "community_id": community,
        "role": role,
        "provider": name,
    }
    invited_before = invitations(session)
    response = admin_client.post("/staff/accounts", data=data)
    if response.status_code == 200:  # the link page: a new invitation under the name typed (tidied)
        assert LINK_RE.search(response.get_data(as_text=True))
        assert invitations(session) == invited_before + 1
    else:
        assert response.status_code == 400, response.status_code
        assert refused_in_words(response), (name, role, community)
        assert invitations(session) == invited_before
    if once_per_test(session):  # once per test: a valid acceptance through the same path
        invited_before = invitations(session)
        invited = invite(admin_client, demo_community.id)  # a valid invitation: its link, and its row
        assert invited.status_code == 200, invited.status_code
        assert invitations(session) == invited_before + 1
        control = accept(app.test_client(), link_of(invited), "control.user")
        assert control.status_code == 303, control.status_code
        assert control.headers["Location"] == "/staff/sign-in"
        assert session.scalar(select(StaffUser).where(StaffUser.username == "control.user"))
    path = link_of(invite(admin_client, demo_community.id))
    people_before = staff_count(session)
    answer = accept(app.test_client(), path, username=username, password=password)
    if answer.status_code == 303:  # an account was made and the link is used up
        assert answer.headers["Location"] == "/staff/sign-in"
        assert staff_count(session) == people_before + 1
        assert accept(app.test_client(), path, username="again.user").status_code == 410  # used up
    else:
        assert answer.status_code == 400, answer.status_code
        assert refused_in_words(answer), (username, len(password))
        assert staff_count(session) == people_before


def test_control_characters_are_refused_in_words_on_every_database(app, admin_client, demo_community):
    """A NUL in a name reached PostgreSQL (which refuses it) as a 500; the core refuses it first."""
    response = invite(admin_client, demo_community.id, name="刘\x00芳")
    assert response.status_code == 400
    assert "64" in response.get_data(as_text=True)
    path = link_of(invite(admin_client, demo_community.id))
    newcomer = app.test_client()
    token = csrf_token(newcomer, path)
    data = {"csrf_token": token, "username": "liu.fang", "display_name": "x\x00", "password": PASSWORD}
    refused = newcomer.post(path, data={**data, "confirm": PASSWORD})
    assert refused.status_code == 400
    assert 'value="liu.fang"' in refused.get_data(as_text=True)
