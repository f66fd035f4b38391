"""Staff sessions: TOTP second step, idle and absolute limits; audit search; register housekeeping."""

import re

import pyotp
from sqlalchemy import select

from tests.conftest import VAULT, csrf_token
from webapp.domain.register.residents import find_by_id_number
from webapp.models import AuditEntry, Building, Household, Resident, Role


def test_totp_enrolment_and_second_step(client, auth, make_staff, session):
    user = make_staff("anna", Role.COMMUNITY_WORKER)
    auth.sign_in("anna")
    client.set_cookie("linli_locale", "en")
    page = client.post("/staff/security/totp", data={"csrf_token": csrf_token(client, "/staff/security")})
    assert 'class="qr"' in page.get_data(as_text=True)
    session.refresh(user)
    secret = VAULT.decrypt("totp", user.totp_cipher)
    wrong = client.post(
        "/staff/security/totp/confirm",
        data={"csrf_token": csrf_token(client, "/staff/security"), "code": "000000"},
    )
    assert wrong.status_code == 400
    ok = client.post(
        "/staff/security/totp/confirm",
        data={"csrf_token": csrf_token(client, "/staff/security"), "code": pyotp.TOTP(secret).now()},
    )
    assert ok.status_code == 303
    assert client.get("/staff/").status_code == 200  # this session stays
    auth.sign_out()
    step = auth.sign_in("anna")
    assert step.headers["Location"].startswith("/staff/sign-in/code")
    assert client.get("/staff/").status_code == 302  # the password alone does not open the console
    bad = client.post(
        "/staff/sign-in/code", data={"csrf_token": csrf_token(client, "/staff/sign-in/code"), "code": "1"}
    )
    assert bad.status_code == 401
    good = client.post(
        "/staff/sign-in/code",
        data={"csrf_token": csrf_token(client, "/staff/sign-in/code"), "code": pyotp.TOTP(secret).now()},
    )
    assert good.status_code == 303
    assert client.get("/staff/").status_code == 200


def test_idle_and_absolute_session_limits(client, auth, make_staff, frozen):
    make_staff("anna")
    auth.sign_in("anna")
    frozen.advance(minutes=29)
    assert client.get("/staff/").status_code == 200
    frozen.advance(minutes=31)
    assert client.get("/staff/").status_code == 302  # idle for 31 minutes
    auth.sign_in("anna")
    for _ in range(25):  # busy all day: never idle, but 12 hours is the limit
        frozen.advance(minutes=29)
        client.get("/staff/")
    assert client.get("/staff/").status_code == 302


def test_audit_search_is_admin_only_and_scoped(client, auth, make_staff, session, demo_community):
    make_staff("boss", Role.ADMIN)
    auth.sign_in("boss")
    resident = session.scalar(select(Resident).where(Resident.community_id == demo_community.id))
    client.get(f"/staff/residents/{resident.id}")
    page = client.get(f"/staff/audit?resident={resident.id}&action=resident.view").get_data(as_text=True)
    assert "resident.view" in page
    assert "Tester boss" in page
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>", page)
    empty = client.get("/staff/audit?action=resident.view&since=2999-01-01").get_data(as_text=True)
    assert "没有找到。" in empty


def test_buildings_households_edit_and_move_out(client, auth, make_staff, session, demo_community):
    make_staff("clerk", Role.COMMUNITY_WORKER)
    auth.sign_in("clerk")
    client.set_cookie("linli_locale", "en")
    token = csrf_token(client, "/staff/buildings")
    made = client.post("/staff/buildings", data={"csrf_token": token, "number": "3", "name": ""})
    assert made.status_code == 303
    again = client.post("/staff/buildings", data={"csrf_token": token, "number": "3", "name": ""})
    assert "That already exists." in again.get_data(as_text=True)
    building = session.scalar(select(Building).where(Building.number == 3))
    client.post(f"/staff/buildings/{building.id}", data={"csrf_token": token, "unit": "1", "room": "101"})
    household = session.scalar(select(Household).where(Household.label == "3-1-101"))
    assert household is not None
    resident = session.scalar(select(Resident).where(Resident.community_id == demo_community.id))
    edit = client.post(
        f"/staff/residents/{resident.id}/edit",
        data={
            "csrf_token": token,
            "name": "改了名字",
            "household_id": str(household.id),
            "id_number": "11010519491231002X",
        },
    )
    assert edit.status_code == 303
    session.refresh(resident)
    assert resident.name == "改了名字"
    assert resident.household_id == household.id
    assert find_by_id_number(session, VAULT, "11010519491231002x").id == resident.id
    client.post(f"/staff/residents/{resident.id}/move-out", data={"csrf_token": token})
    session.refresh(resident)
    assert resident.moved_out_at is not None
    assert find_by_id_number(session, VAULT, "11010519491231002X") is None
    actions = {
        e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.subject_id == resident.id))
    }
    assert {"resident.update", "resident.move_out"} <= actions


def test_card_issue_command_prints_the_link_once(app, session, make_resident):
    person = make_resident("命令行", age=70)
    result = app.test_cli_runner().invoke(args=["card-issue", str(person.id)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"http://127\.0\.0\.1:5000/c/[A-Za-z0-9_-]{24}\n", result.output)
    missing = app.test_cli_runner().invoke(args=["card-issue", "999999"])
    assert missing.exit_code != 0
