"""What a real office does when everything goes right (issue 16): the district administrator edits a
community's details, an administrator gives a colleague a role, resets a lost phone's two-step sign-in and
sees when each colleague last signed in; the district roll-up's figures for a second community, as exported;
and a district administrator of another street sees nothing of this one."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pyotp
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tests.conftest import VAULT, Auth, csrf_token
from webapp.domain.desk.tickets import change_status, rate
from webapp.domain.identity.staff import confirm_totp, create_staff, start_totp
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.domain.register.setup import create_community, same_names
from webapp.domain.training import courses
from webapp.infra import clock
from webapp.models import (
    AuditEntry,
    Community,
    Region,
    RegionLevel,
    Role,
    StaffRegionRole,
    StaffUser,
    Status,
)


def audit_actions(session, subject_type, subject_id):
    return list(
        session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id
            )
        )
    )


def user(session, username):
    return session.scalar(select(StaffUser).where(StaffUser.username == username))


def test_the_district_admin_edits_a_communitys_details(client, auth, session, demo_community):
    auth.sign_in("district")
    path = f"/staff/communities/{demo_community.id}"
    page = client.get(path)
    assert page.status_code == 200
    assert 'value="桂花社区"' in page.get_data(as_text=True)  # the form starts from what is saved
    saved = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "name": "桂花社区",
            "address": "桂花路 6 号",
            "phone": "0571-8888-6666",
            "office_hours": "周一至周五 8:30–17:00",
            "timezone": "Asia/Shanghai",
            "default_locale": "zh_Hant",
        },
    )
    assert saved.status_code == 303
    session.refresh(demo_community)
    assert demo_community.address == "桂花路 6 号"
    assert demo_community.phone == "0571-8888-6666"
    assert demo_community.office_hours == "周一至周五 8:30–17:00"
    assert demo_community.default_locale == "zh_Hant"
    assert "community.edit" in audit_actions(session, "community", demo_community.id)
    again = client.get(path)
    assert 'value="桂花路 6 号"' in again.get_data(as_text=True)


def test_an_administrator_gives_a_colleague_a_role(client, auth, session, demo_community):
    auth.sign_in("admin")
    volunteer = user(session, "volunteer")
    path = f"/staff/accounts/{volunteer.id}"
    token = csrf_token(client, path)
    granted = client.post(
        f"{path}/roles",
        data={"csrf_token": token, "community_id": str(demo_community.id), "role": "community_worker"},
    )
    assert granted.status_code == 303
    session.expire_all()
    volunteer = user(session, "volunteer")
    assert Role.COMMUNITY_WORKER in [r.role for r in volunteer.roles if r.community_id == demo_community.id]
    assert "staff.role_grant" in audit_actions(session, "staff_user", volunteer.id)
    page = client.get(path).get_data(as_text=True)
    assert "社区工作者" in page  # the new role is listed on the account
    above = client.post(
        f"{path}/roles",
        data={"csrf_token": token, "community_id": str(demo_community.id), "role": "district_admin"},
    )
    assert above.status_code == 400
    session.expire_all()
    assert not user(session, "volunteer").region_roles


def test_resetting_two_step_sign_in_clears_the_code_and_ends_sessions(app, client, auth, session, make_staff):
    worker = make_staff("worker7", Role.COMMUNITY_WORKER)
    secret = pyotp.parse_uri(start_totp(session, VAULT, worker)).secret
    assert confirm_totp(session, VAULT, worker, pyotp.TOTP(secret).at(clock.now()))
    session.commit()
    theirs = app.test_client()  # they sign in with their password and the code of their phone
    assert "/sign-in/code" in Auth(theirs).sign_in("worker7").headers["Location"]
    code = {"csrf_token": csrf_token(theirs, "/staff/sign-in/code"), "code": pyotp.TOTP(secret).now()}
    assert theirs.post("/staff/sign-in/code", data=code).status_code == 303
    assert theirs.get("/staff/").status_code == 200
    auth.sign_in("admin")
    path = f"/staff/accounts/{worker.id}"
    reset = client.post(f"{path}/totp-reset", data={"csrf_token": csrf_token(client, path)})
    assert reset.status_code == 303
    assert "两步登录" in client.get(reset.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    worker = user(session, "worker7")
    assert worker.totp_enabled is False
    assert worker.totp_cipher is None
    assert theirs.get("/staff/").status_code == 302  # that session ended at once
    again = Auth(app.test_client()).sign_in("worker7")
    assert again.status_code == 303
    assert "/sign-in/code" not in again.headers["Location"]  # no code is asked any more
    assert "staff.totp_reset" in audit_actions(session, "staff_user", worker.id)
    twice = client.post(f"{path}/totp-reset", data={"csrf_token": csrf_token(client, path)})
    assert twice.status_code == 400  # nothing left to remove: said, not a 500


def test_the_last_sign_in_is_shown_on_the_wall_clock(app, client, auth, session, make_staff):
    worker = make_staff("worker8", Role.COMMUNITY_WORKER)
    auth.sign_in("admin")
    client.set_cookie("linli_locale", "en")
    detail = f"/staff/accounts/{worker.id}"
    assert "Never" in client.get(detail).get_data(as_text=True)
    clock.freeze(datetime(2026, 11, 29, 1, 30, tzinfo=UTC))
    try:
        assert Auth(app.test_client()).sign_in("worker8").status_code == 303
    finally:
        clock.freeze(None)
    for page in (client.get(detail), client.get("/staff/accounts")):
        assert "2026-11-29 09:30" in page.get_data(as_text=True)  # 01:30 UTC is 9:30 in Shanghai


@pytest.fixture
def meihua(session, demo_community, frozen):
    """A second community of the demo's street with a month of work behind it: three tickets resolved after
    2, 4 and 10 hours (rated 5 and 4), one still open, and one class held where one skill was gained."""
    street = session.get(Region, demo_community.region_id)
    other = create_community(session, SYSTEM, street, same_names("梅花社区"), slug="meihua")
    home = factories.household(session, factories.building(session, other))
    person = factories.resident(session, other, "梅阿姨", age=72, home=home)
    suggestion = factories.service(session, other, "suggestion")
    as_resident = Actor(type="resident", id=person.id)
    for hours, stars in ((2, 5), (4, 4), (10, None)):
        ticket = factories.ticket(session, person, suggestion, {"details": "路灯"}, household_id=home.id)
        frozen.advance(hours=hours)
        change_status(session, Actor(type="staff", name="梅花社区办公室"), ticket, Status.RESOLVED)
        if stars:
            rate(session, as_resident, ticket, stars)
    factories.ticket(session, person, suggestion, {"details": "长椅"}, household_id=home.id)
    course = factories.course(session, other)
    held = courses.save_session(
        session,
        SYSTEM,
        course,
        None,
        {"place": "活动室", "starts_at": clock.now() + timedelta(hours=1), "minutes": 60, "capacity": 10},
    )
    courses.signup(session, SYSTEM, held, person, "phone")
    frozen.advance(hours=2)
    courses.mark(session, SYSTEM, held, person, "scan_qr", "on_my_own")
    session.commit()
    return other


def test_the_roll_up_counts_a_second_communitys_work(client, auth, meihua):
    auth.sign_in("district")
    client.set_cookie("linli_locale", "en")
    text = client.get("/staff/district.csv").get_data(as_text=True).lstrip("\ufeff")
    heading, *rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2  # the demo community and the new one
    row = dict(zip(heading, next(r for r in rows if r[0] == "梅花社区"), strict=True))
    assert row["Open"] == "1"
    assert row["Overdue"] == "0"
    assert row["Median time to resolve (hours)"] == "4.0"
    assert row["Satisfaction (of 5)"] == "4.5"
    assert row["Classes held"] == "1"
    assert row["Residents trained"] == "1"
    assert row["Kiosks"] == "0"
    assert row["Kiosk uptime, last 7 days (%)"] == ""  # no kiosk: no share to give
    sheet = load_workbook(BytesIO(client.get("/staff/district.xlsx").data)).active
    cells = {r[0]: r for r in sheet.iter_rows(values_only=True)}
    assert cells["梅花社区"][3] == 4.0
    assert cells["梅花社区"][4] == 4.5
    page = client.get("/staff/district").get_data(as_text=True)
    assert "梅花社区" in page
    assert "4.5" in page


def test_a_district_admin_of_another_street_sees_nothing_of_this_one(client, auth, session, meihua):
    district = session.scalar(select(Region).where(Region.level == RegionLevel.DISTRICT))
    far_street = Region(parent=district, level=RegionLevel.STREET, code="far", names=same_names("远街道"))
    session.add(far_street)
    session.flush()
    session.add(Community(slug="yuan", region=far_street, names=same_names("远方社区")))
    far = create_staff(session, "far", "远街道主任", "a-long-password-for-far")
    far.region_roles.append(StaffRegionRole(region_id=far_street.id, role=Role.DISTRICT_ADMIN))
    session.commit()
    auth.sign_in("far", "a-long-password-for-far")
    page = client.get("/staff/district").get_data(as_text=True)
    assert "远方社区" in page
    assert "桂花社区" not in page
    assert "梅花社区" not in page
    text = client.get("/staff/district.csv").get_data(as_text=True)
    assert text.count("\n") == 2  # heading and their one community
    assert "桂花" not in text
    assert "梅花" not in text
    sheet = load_workbook(BytesIO(client.get("/staff/district.xlsx").data)).active
    assert [r[0] for r in sheet.iter_rows(values_only=True)][1:] == ["远方社区"]


def test_the_district_admin_lists_the_streets_colleagues_with_their_district_roles(client, auth, session):
    """The accounts list of a street office: the communities' colleagues (the grid worker among them) and the
    district administrators of its street, whose accounts it manages; a community administrator, who may not
    manage a district administrator, does not see them listed."""
    client.set_cookie("linli_locale", "en")
    deputy = create_staff(session, "deputy", "副主任", "a-long-password-for-deputy")
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    deputy.region_roles.append(StaffRegionRole(region_id=street.id, role=Role.DISTRICT_ADMIN))
    session.commit()
    auth.sign_in("district")
    page = client.get("/staff/accounts").get_data(as_text=True)
    assert "Grid worker · Osmanthus Community" in page
    assert "副主任" in page
    assert "District administrator · Cuiyuan Subdistrict" in page
    auth.sign_out()
    auth.sign_in("admin")
    page = client.get("/staff/accounts").get_data(as_text=True)
    assert "Grid worker · Osmanthus Community" in page
    assert "副主任" not in page
    assert "District administrator" not in page
