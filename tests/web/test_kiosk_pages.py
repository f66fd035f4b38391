"""Kiosk pairing, identification, check-in, finish and heartbeat through the test client."""

import re
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_token
from webapp.domain.identity.cards import issue_card
from webapp.domain.kiosk.devices import start_pairing
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import CheckIn, Kiosk, KioskVisit, Role


def demo_kiosk(session, community) -> Kiosk:
    return session.scalar(select(Kiosk).where(Kiosk.community_id == community.id))


def test_unpaired_browser_is_sent_to_pairing_and_a_code_works_once(client, session, demo_community, frozen):
    assert client.get("/kiosk/").headers["Location"] == "/kiosk/pair"
    kiosk = demo_kiosk(session, demo_community)
    code = start_pairing(session, SYSTEM, kiosk)
    session.commit()
    token = csrf_token(client, "/kiosk/pair")
    paired = client.post("/kiosk/pair", data={"csrf_token": token, "code": code.lower()})
    assert paired.status_code == 303
    cookie = paired.headers["Set-Cookie"]
    assert "linli_kiosk=" in cookie
    assert "HttpOnly" in cookie
    assert client.get("/kiosk/").status_code == 200
    other = client.application.test_client()
    again = other.post("/kiosk/pair", data={"csrf_token": csrf_token(other, "/kiosk/pair"), "code": code})
    assert again.status_code == 400
    late = start_pairing(session, SYSTEM, kiosk)
    session.commit()
    frozen.advance(minutes=31)
    expired = other.post("/kiosk/pair", data={"csrf_token": csrf_token(other, "/kiosk/pair"), "code": late})
    assert expired.status_code == 400
    session.refresh(kiosk)
    assert kiosk.device_token_hash is not None
    assert "linli_kiosk" not in str(kiosk.device_token_hash)


def identify(client, text):
    return client.post("/kiosk/identify", data={"csrf_token": csrf_token(client, "/kiosk/"), "scan": text})


def test_scan_checkin_finish(kiosk_client, session, make_resident):
    client = kiosk_client
    person = make_resident("李奶奶", age=90)
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    assert identify(client, "garbage").get_json()["ok"] is False
    result = identify(client, issued.url("https://linli.example"))
    assert result.get_json() == {"ok": True, "next": "/kiosk/home"}
    home = client.get("/kiosk/home")
    assert "李奶奶，您好" in home.get_data(as_text=True)
    assert home.headers["Cache-Control"] == "no-store"
    done = client.post("/kiosk/checkin", data={"csrf_token": csrf_token(client, "/kiosk/home")})
    assert done.status_code == 200
    assert session.scalar(select(CheckIn).where(CheckIn.resident_id == person.id)) is not None
    finish = client.post("/kiosk/finish", data={"csrf_token": csrf_token(client, "/kiosk/home")})
    assert finish.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/kiosk/home").headers["Location"] == "/kiosk/"
    visit = session.scalar(select(KioskVisit).where(KioskVisit.resident_id == person.id))
    assert visit.end_reason == "finish"


def test_card_of_another_community_is_refused(kiosk_client, session, make_resident):
    from webapp.models import Community, Region, RegionLevel

    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    other = Community(slug="other", region=street, names={"zh_Hans": "别处"})
    session.add(other)
    session.flush()
    person = make_resident("外人", age=70)
    person.community_id = other.id
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    kiosk_client.set_cookie("linli_locale", "en")
    answer = identify(kiosk_client, issued.url("https://x")).get_json()
    assert answer["ok"] is False
    assert "another community" in answer["message"]


def test_heartbeat_and_console_status(kiosk_client, session, demo_community, auth, make_staff):
    token = csrf_token(kiosk_client, "/kiosk/")
    beat = kiosk_client.post(
        "/kiosk/heartbeat",
        json={"version": "abc123", "devices": {"printer": "ok"}},
        headers={"X-CSRFToken": token},
    )
    assert beat.get_json() == {"visit": False}
    kiosk = demo_kiosk(session, demo_community)
    session.refresh(kiosk)
    assert kiosk.client_version == "abc123"
    staff = kiosk_client.application.test_client()
    from tests.conftest import Auth

    make_staff("boss", Role.ADMIN)
    Auth(staff).sign_in("boss")
    staff.set_cookie("linli_locale", "en")
    page = staff.get("/staff/kiosks").get_data(as_text=True)
    assert "Online" in page
    assert "abc123" in page
    paired = staff.post(
        f"/staff/kiosks/{kiosk.id}/pair", data={"csrf_token": csrf_token(staff, "/staff/kiosks")}
    )
    assert re.search(r'class="ticket-number">[A-Z2-9]{8}<', paired.get_data(as_text=True))


def test_kiosk_pair_command(app, session, demo_community):
    kiosk = demo_kiosk(session, demo_community)
    result = app.test_cli_runner().invoke(args=["kiosk-pair", str(kiosk.id)])
    assert result.exit_code == 0
    assert re.fullmatch(r"http://127\.0\.0\.1:5000/kiosk/pair\?code=[A-Z2-9]{8}\n", result.output)


def test_helper_types_an_id_number_at_the_kiosk(kiosk_client, session, make_resident, make_staff):
    from tests.conftest import VAULT
    from webapp.domain.kiosk.badges import issue_badge
    from webapp.domain.register.residents import ID_KIND
    from webapp.models import AuditEntry

    person = make_resident("赵爷爷", age=85)
    person.id_number_index = VAULT.index(ID_KIND, "11010519491231002X")
    helper = make_staff("vol2", Role.VOLUNTEER)
    badge = issue_badge(session, SYSTEM, helper)
    session.commit()
    client = kiosk_client
    client.set_cookie("linli_locale", "en")
    assert identify(client, f"https://x/b/{badge}").get_json()["next"] == "/kiosk/start"
    token = csrf_token(client, "/kiosk/start")
    wrong = client.post("/kiosk/identify-id", data={"csrf_token": token, "id_number": "110105194912310022"})
    assert wrong.status_code == 400
    assert "No resident of this community has that ID number." in wrong.get_data(as_text=True)
    right = client.post("/kiosk/identify-id", data={"csrf_token": token, "id_number": "11010519491231002x"})
    assert right.headers["Location"] == "/kiosk/home"
    assert "Helping 赵爷爷" in client.get("/kiosk/home").get_data(as_text=True)
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "kiosk.identify", AuditEntry.subject_id == person.id)
    )
    assert entry.actor_name == "Tester vol2"
    assert entry.detail == {"method": "id_number"}


def test_id_number_entry_needs_a_helper(kiosk_client):
    token = csrf_token(kiosk_client, "/kiosk/start")
    response = kiosk_client.post(
        "/kiosk/identify-id", data={"csrf_token": token, "id_number": "11010519491231002X"}
    )
    assert response.status_code == 403


def test_pin_at_the_kiosk_then_hand_off_to_a_phone(kiosk_client, app, session, make_resident):
    from tests.unit.test_qr import decode
    from webapp.domain.identity.pins import set_pin

    person = make_resident("钱阿婆", age=83)
    set_pin(session, SYSTEM, person, "482915")
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    client = kiosk_client
    client.set_cookie("linli_locale", "en")
    identify(client, issued.url("https://x"))
    token = csrf_token(client, "/kiosk/phone")
    wrong = client.post("/kiosk/phone", data={"csrf_token": token, "pin": "000001"})
    assert wrong.status_code == 401
    assert "You can try 4 more times." in wrong.get_data(as_text=True)
    shown = client.post("/kiosk/phone", data={"csrf_token": token, "pin": "482915"})
    html = shown.get_data(as_text=True)
    svg = re.search(r'<svg class="qr".*?</svg>', html, re.S).group(0)
    url = decode(svg)[0]
    assert url.startswith("http://127.0.0.1:5000/h/")
    phone = app.test_client()
    assert phone.get(url.replace("http://127.0.0.1:5000", "")).headers["Location"] == "/me"
    assert "钱阿婆" in phone.get("/me").get_data(as_text=True)


def test_kiosk_report_needs_every_answer_and_keeps_the_chosen_ones(kiosk_client, session, make_resident):
    from webapp.models import Ticket

    person = make_resident("孙阿姨", age=77)
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    client = kiosk_client
    client.set_cookie("linli_locale", "en")
    identify(client, issued.url("https://x"))
    token = csrf_token(client, "/kiosk/home")
    client.post("/kiosk/report/repair-light/1", data={"csrf_token": token, "answer": "stairs"})
    early = client.post("/kiosk/report/repair-light/review", data={"csrf_token": token})
    assert early.status_code == 400
    assert "Please answer this question." in early.get_data(as_text=True)
    step2 = client.get("/kiosk/report/repair-light/1").get_data(as_text=True)
    assert 'aria-pressed="true"' in step2  # the first answer is kept
    client.post("/kiosk/report/repair-light/2", data={"csrf_token": token, "answer": "yes"})
    done = client.post("/kiosk/report/repair-light/review", data={"csrf_token": token})
    assert done.status_code == 200
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == person.id))
    assert ticket.answers == {"where": "stairs", "urgent": True}
    assert ticket.number in done.get_data(as_text=True)
    assert client.get("/kiosk/report/no-such-service/1").status_code == 404


def test_care_list_page_before_and_after_the_check_time(client, auth, make_staff, frozen, demo_community):
    from datetime import UTC, datetime

    make_staff("carer", Role.COMMUNITY_WORKER)
    frozen.now = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # 08:30 in Hangzhou
    frozen.advance()
    auth.sign_in("carer")
    client.set_cookie("linli_locale", "en")
    assert "The list fills at 10:00." in client.get("/staff/care").get_data(as_text=True)
    frozen.advance(hours=3)
    client.get("/staff/")  # the idle limit passed with the frozen clock: signed out
    auth.sign_in("carer")
    page = client.get("/staff/care").get_data(as_text=True)
    assert "The list fills at" not in page
    assert "years" in page  # demo residents who live alone and have not been seen


def test_background_requests_never_rewrite_the_session_cookie(kiosk_client):
    token = csrf_token(kiosk_client, "/kiosk/")
    beat = kiosk_client.post("/kiosk/heartbeat", json={"version": "x"}, headers={"X-CSRFToken": token})
    assert beat.status_code == 200
    assert not any("linli_session" in c for c in beat.headers.getlist("Set-Cookie"))
    still = kiosk_client.post("/kiosk/still-here", headers={"X-CSRFToken": token})
    assert not any("linli_session" in c for c in still.headers.getlist("Set-Cookie"))


def test_bridge_key_command_and_reader_identification(
    app, session, demo_community, kiosk_client, make_resident
):
    from webapp.domain.kiosk.devices import bridge_key
    from webapp.domain.register.residents import seal

    kiosk = demo_kiosk(session, demo_community)
    kiosk.has_id_reader = True  # a kiosk talks only to a bridge it is configured to have
    session.commit()
    result = app.test_cli_runner().invoke(args=["kiosk-bridge-key", str(kiosk.id)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from webapp.shared.context import vault

        key = bridge_key(vault(), kiosk)
    assert f'secret = "{key}"' in result.output
    assert "[bridge]" in result.output
    # The page of this paired kiosk may talk to its bridge (CSP) and knows the key; others do not.
    page = kiosk_client.get("/kiosk/")
    assert "connect-src 'self' http://127.0.0.1:8765" in page.headers["Content-Security-Policy"]
    assert f'data-key="{key}"' in page.get_data(as_text=True)
    assert "127.0.0.1" not in kiosk_client.get("/").headers["Content-Security-Policy"]
    # An ID card read on the kiosk's reader starts the resident's visit.
    person = make_resident("读卡人", age=71)
    with app.app_context():
        from webapp.shared.context import vault

        seal(person, vault(), "11010519491231002X", None)
    session.commit()
    token = csrf_token(kiosk_client, "/kiosk/")
    unknown = kiosk_client.post(
        "/kiosk/identify-reader", data={"csrf_token": token, "id_number": "110105194912310038"}
    )
    assert unknown.status_code == 400
    found = kiosk_client.post(
        "/kiosk/identify-reader", data={"csrf_token": token, "id_number": "11010519491231002X"}
    )
    assert found.get_json() == {"ok": True, "next": "/kiosk/home"}
    assert "读卡人" in kiosk_client.get("/kiosk/home").get_data(as_text=True)
    kiosk.has_id_reader = False
    session.commit()
    refused = kiosk_client.post(
        "/kiosk/identify-reader", data={"csrf_token": token, "id_number": "11010519491231002X"}
    )
    assert refused.status_code == 400


def test_staff_register_a_kiosk_pair_it_see_it_go_offline_and_unpair_it(
    client, app, session, auth, make_staff, frozen
):
    from tests.conftest import Auth

    make_staff("boss", Role.ADMIN)
    staff = app.test_client()
    staff.set_cookie("linli_locale", "en")
    Auth(staff).sign_in("boss")
    token = csrf_token(staff, "/staff/kiosks")
    bad = staff.post(
        "/staff/kiosks", data={"csrf_token": token, "name": "", "place": "3号楼", "idle_timeout": "5"}
    )
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert "Please fill this in." in page
    assert "Please give a number from 30 to 600." in page
    assert 'value="3号楼"' in page  # what was typed is kept
    form = {
        "csrf_token": token,
        "name": "3号楼大厅",
        "place": "3号楼一楼",
        "idle_timeout": "90",
        "has_printer": "y",
    }
    assert staff.post("/staff/kiosks", data=form).status_code == 303
    kiosk = session.scalar(select(Kiosk).where(Kiosk.name == "3号楼大厅"))
    assert (kiosk.idle_timeout_seconds, kiosk.has_printer, kiosk.has_id_reader) == (90, True, False)
    paired = staff.post(f"/staff/kiosks/{kiosk.id}/pair", data={"csrf_token": token}).get_data(as_text=True)
    code = re.search(r'class="ticket-number">([A-Z2-9]{8})<', paired).group(1)
    device = app.test_client()
    pair_token = csrf_token(device, "/kiosk/pair")
    assert device.post("/kiosk/pair", data={"csrf_token": pair_token, "code": code}).status_code == 303
    beat = device.post(
        "/kiosk/heartbeat", json={"version": "v9"}, headers={"X-CSRFToken": csrf_token(device, "/kiosk/")}
    )
    assert beat.status_code == 200

    def row() -> str:
        listing = staff.get("/staff/kiosks").get_data(as_text=True)
        start = listing.index(f'id="k{kiosk.id}"')
        return listing[start : listing.index("</tr>", start)]

    assert "Online" in row()
    frozen.advance(minutes=4)  # no heartbeat for longer than three of its minutes
    assert "Offline" in row()
    assert "Online" not in row()
    assert staff.post(f"/staff/kiosks/{kiosk.id}/unpair", data={"csrf_token": token}).status_code == 303
    assert device.get("/kiosk/").headers["Location"] == "/kiosk/pair"  # the device token no longer works
    session.refresh(kiosk)
    assert kiosk.device_token_hash is None


def test_home_puts_open_requests_and_todays_class_above_the_eight_tiles(
    kiosk_client, session, make_resident, frozen
):
    from webapp.domain.desk.tickets import submit
    from webapp.domain.privacy.audit import Actor
    from webapp.domain.training import courses
    from webapp.models import ServiceType

    kiosk_client.set_cookie("linli_locale", "en")
    person = make_resident("何奶奶", age=84)
    issued = issue_card(session, SYSTEM, person)
    light = session.scalar(select(ServiceType).where(ServiceType.code == "repair-light"))
    ticket = submit(
        session,
        Actor(type="resident", id=person.id),
        person,
        light,
        {"where": "home", "urgent": "no"},
        "kiosk",
    ).request
    course = courses.save_course(
        session, SYSTEM, person.community_id, None, {"zh_Hans": "用手机挂号"}, ["scan_qr"]
    )
    values = {"place": "活动室", "starts_at": frozen.now + timedelta(hours=2), "minutes": 60, "capacity": 9}
    ts = courses.save_session(session, SYSTEM, course, None, values)
    courses.signup(session, SYSTEM, ts, person, "test")
    session.commit()
    assert identify(kiosk_client, issued.url("https://x")).get_json()["ok"]
    page = kiosk_client.get("/kiosk/home").get_data(as_text=True)
    personal, tiles = page.index('class="personal"'), page.index("kiosk-tiles")
    assert personal < tiles  # the personal items come first
    top = page[personal:tiles]
    assert ticket.number in top
    assert "Today&#39;s class: 用手机挂号" in top or "Today's class: 用手机挂号" in top
    # "I'm fine today" is the big button between the personal items and the tiles; activities and classes
    # are one tap from home, and there are still eight tiles.
    assert "I&#39;m fine today" in page[personal:tiles] or "I'm fine today" in page[personal:tiles]
    labels = re.findall(r"<span>([^<]+)</span></(?:a|button)>", page[tiles:])
    assert labels == [
        "Report a problem",
        "Book a service",
        "My requests",
        "Notices",
        "Activities",
        "Classes & lessons",
        "Local services",
        "Call for help",
    ]
