"""The office's cockpit (issue 23 and issue 13 point 12), through the console's pages: urgent tickets first
with a badge in words, live counts, the overview's to-dos and a menu by area that shows only what the role may
open, the timeline and CSV in the reader's words, and the smaller fixes (no pre-selected status, the office
alone cancels, leaders, certificates linked, cards for everyone listed, a printable work order)."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.web.test_desk_staff import new_ticket, numbers_on, post, service
from webapp.domain.desk.tickets import escalate_overdue
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.domain.training.certificates import issue_if_complete
from webapp.domain.training.skills import set_level
from webapp.models import AuditEntry, Course, SkillLevel, Status, TicketEvent

WORDS = {
    "zh_Hans": {
        "urgent": "紧急",
        "kiosk": "自助机",
        "system": "系统",
        "number": "工单号",
        "cancelled": "已取消",
    },
    "zh_Hant": {
        "urgent": "緊急",
        "kiosk": "自助機",
        "system": "系統",
        "number": "工單號",
        "cancelled": "已取消",
    },
    "en": {
        "urgent": "Urgent",
        "kiosk": "Kiosk",
        "system": "System",
        "number": "Ticket number",
        "cancelled": "Cancelled",
    },
}
GIVEN_TO = {"zh_Hans": "指派给 赵刚", "zh_Hant": "指派給 赵刚", "en": "Given to 赵刚"}
ESCALATED = {
    "zh_Hans": "超时：已转交社区办公室",
    "zh_Hant": "逾時：已轉交社區辦公室",
    "en": "Overdue: handed to the community office",
}
AREAS = {
    "zh_Hans": ["办事", "居民", "社区生活", "培训", "设置"],
    "zh_Hant": ["辦事", "居民", "社區生活", "培訓", "設定"],
    "en": ["Services desk", "Residents", "Community life", "Training", "Settings"],
}


def nav_of(page: str) -> str:
    return page[page.index('class="main-nav"') : page.index("</nav>")]


def test_a_danger_answer_shortens_the_deadline_and_goes_first_with_a_badge_in_words(
    client, auth, session, make_resident, frozen
):
    person = make_resident("危险报告人", age=70)
    calm = new_ticket(session, person, "repair-lift", {"urgent": "no"})  # due in 12 h
    danger = new_ticket(session, person, "repair-water", {"where": "home", "urgent": "yes"})  # 24 h normally
    assert danger.due_at - danger.submitted_at == timedelta(hours=4)  # the service's urgent deadline
    assert calm.due_at - calm.submitted_at == timedelta(hours=12)
    for user in ("property", "worker"):  # every queue that sees it puts it first
        auth.sign_in(user)
        for locale, words in WORDS.items():
            client.set_cookie("linli_locale", locale)
            page = client.get("/staff/tickets").get_data(as_text=True)
            assert numbers_on(page)[0] == danger.number
            row = page[page.index(f">{danger.number}<") :].split("</tr>")[0]
            assert 'badge-danger"><svg class="icon' in row
            assert f"{words['urgent']}</span>" in row
            assert f"{words['urgent']}</span>" not in page[page.index(f">{calm.number}<") :].split("</tr>")[0]
        auth.sign_out()


def test_staff_set_the_urgent_deadline_of_a_service(client, auth, session, make_resident):
    auth.sign_in("worker")
    water = service(session, "repair-water")
    form = client.get(f"/staff/catalog/{water.id}").get_data(as_text=True)
    assert 'name="urgent_deadline_hours" inputmode="numeric" value="4"' in form
    fields = {
        "code": water.code,
        "category": water.category.value,
        "handler": water.handler.value,
        "provider_name": "",
        "eligibility": water.eligibility.value,
        "deadline_hours": "24",
        "channel_kiosk": "1",
        "channel_phone": "1",
        "active": "1",
        "questions": __import__("json").dumps(water.questions, ensure_ascii=False),
        **{f"name_{k}": v for k, v in water.names.items()},
    }
    assert post(client, f"/staff/catalog/{water.id}", **fields, urgent_deadline_hours="0").status_code == 400
    assert post(client, f"/staff/catalog/{water.id}", **fields, urgent_deadline_hours="2").status_code == 303
    session.expire_all()
    ticket = new_ticket(
        session, make_resident("急", age=66), "repair-water", {"where": "home", "urgent": "yes"}
    )
    assert ticket.due_at - ticket.submitted_at == timedelta(hours=2)


def test_every_console_page_shows_live_counts_and_the_title_carries_them(
    client, auth, session, make_resident, frozen
):
    auth.sign_in("property")
    before = client.get("/staff/work").get_json()
    assert client.get("/staff/work").headers["Cache-Control"] == "no-store"
    urgent = new_ticket(
        session, make_resident("计数", age=70), "repair-water", {"where": "home", "urgent": "yes"}
    )
    now = client.get("/staff/work").get_json()
    assert now["new"] == before["new"] + 1
    assert now["urgent"] == before["urgent"] + 1
    assert urgent.number in now["urgent_numbers"]
    frozen.advance(minutes=25)
    urgent.due_at = urgent.submitted_at + timedelta(minutes=20)  # as if its urgent deadline were 20 minutes
    session.commit()
    assert client.get("/staff/work").get_json()["overdue"] >= before["overdue"] + 1
    client.set_cookie("linli_locale", "en")
    for path in ("/staff/", "/staff/tickets", "/staff/notices", "/staff/security"):
        page = client.get(path).get_data(as_text=True)
        total = client.get("/staff/work").get_json()["total"]
        assert re.search(rf"<title>\({total}\) ", page), path
        assert 'data-count="urgent">' in page, path
        assert urgent.number in page, path
        assert "/static/js/console.js" in page, path
    auth.sign_out()
    auth.sign_in("volunteer")  # no tickets in this role: no counts, and the counts are refused
    assert "data-work" not in client.get("/staff/").get_data(as_text=True)
    assert client.get("/staff/work").status_code == 403


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_overview_says_what_needs_you_now_and_the_menu_is_grouped_by_area(client, auth, locale):
    client.set_cookie("linli_locale", locale)
    auth.sign_in("worker")
    page = client.get("/staff/").get_data(as_text=True)
    todo = page[page.index('class="todo"') : page.index("</section>", page.index('class="todo"'))]
    for target in ("status=submitted", "overdue=1", "/staff/care", "/staff/timebank", "/staff/kiosks"):
        assert target in todo, target  # new and overdue tickets, care list, claims to approve, kiosks
    menu = nav_of(page)
    positions = [menu.index(f">{area}<") for area in AREAS[locale]]
    assert positions == sorted(positions)
    assert '<details class="console-menu">' in page
    auth.sign_out()
    auth.sign_in("volunteer")  # a volunteer's menu: training and a PIN, no tickets, no register
    page = client.get("/staff/").get_data(as_text=True)
    menu = nav_of(page)
    assert 'href="/staff/training"' in menu
    assert 'href="/staff/tickets"' not in menu
    assert 'href="/staff/residents"' not in menu
    assert AREAS[locale][0] not in menu
    assert 'href="/staff/tickets"' not in page[page.index('class="todo"') :]
    auth.sign_out()
    auth.sign_in("property")  # the property company: tickets and notices, no residents' register
    menu = nav_of(client.get("/staff/").get_data(as_text=True))
    assert 'href="/staff/tickets"' in menu
    assert 'href="/staff/notices"' in menu
    assert 'href="/staff/residents"' not in menu
    assert 'href="/staff/care"' not in menu


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_timeline_and_channel_in_the_readers_words_old_events_too(
    client, auth, session, make_resident, frozen, locale
):
    ticket = new_ticket(session, make_resident("时间线", age=70))
    ticket.channel = "kiosk:3"
    # An event written before codes existed, as an old database holds it.
    ticket.events.append(
        TicketEvent(
            at=ticket.submitted_at, actor_type="staff", actor_name="赵刚", note="assigned: 赵刚", public=False
        )
    )
    session.commit()
    frozen.advance(hours=13)
    escalate_overdue(session)
    session.commit()
    client.set_cookie("linli_locale", locale)
    auth.sign_in("worker")
    page = client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)
    timeline = page[page.index('class="timeline"') :]
    assert GIVEN_TO[locale] in timeline
    assert ESCALATED[locale] in timeline
    assert f"· {WORDS[locale]['system']}" in timeline
    for machine in ("assigned:", "overdue:", "escalated to", "· system", ">kiosk<"):
        assert machine not in page
    assert f"<dd>{WORDS[locale]['kiosk']} · " in page


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_csv_headers_in_the_readers_language_and_a_machine_variant(
    client, auth, session, make_resident, locale
):
    ticket = new_ticket(session, make_resident("表格", age=70))
    client.set_cookie("linli_locale", locale)
    auth.sign_in("worker")
    rows = list(
        csv.reader(io.StringIO(client.get("/staff/tickets.csv").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert rows[0][0] == WORDS[locale]["number"]
    mine = next(r for r in rows if r[0] == ticket.number)
    machine = client.get("/staff/tickets.csv?format=machine").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(machine)))
    assert rows[0][:6] == ["number", "service", "category", "unit", "status", "channel"]
    assert next(r for r in rows if r[0] == ticket.number)[3:6] == ["property", "submitted", "phone"]
    assert mine[5] != "phone" or locale == "en"


def test_after_done_nothing_is_preselected_and_a_forgotten_choice_is_explained(
    client, auth, session, make_resident
):
    client.set_cookie("linli_locale", "en")
    ticket = new_ticket(session, make_resident("办结", age=70))
    auth.sign_in("worker")
    post(client, f"/staff/tickets/{ticket.id}/status", to="resolved")
    page = client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)
    assert "checked" not in page[page.index('id="f-status"') : page.index('id="f-note"')]
    assert 'value="closed" id="to-closed" required>' in page  # offered, not checked
    refused = post(client, f"/staff/tickets/{ticket.id}/status")
    assert refused.status_code == 400
    assert "Please choose the new status." in refused.get_data(as_text=True)
    session.refresh(ticket)
    assert ticket.status == Status.RESOLVED


@pytest.mark.parametrize("user", ["property", "provider"])
def test_only_the_office_cancels_a_residents_ticket(client, auth, session, make_resident, user):
    code, answers = (
        ("repair-lift", {"urgent": "no"}) if user == "property" else ("health-doctor", {"when": "any"})
    )
    ticket = new_ticket(session, make_resident("取消", age=70), code, answers)
    client.set_cookie("linli_locale", "zh_Hans")
    auth.sign_in(user)
    page = client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)
    assert 'value="cancelled"' not in page
    refused = post(client, f"/staff/tickets/{ticket.id}/status", to="cancelled")
    assert refused.status_code == 400
    assert "只有社区办公室可以取消工单" in refused.get_data(as_text=True)
    session.refresh(ticket)
    assert ticket.status == Status.SUBMITTED
    auth.sign_out()
    auth.sign_in("worker")
    assert 'value="cancelled"' in client.get(f"/staff/tickets/{ticket.id}").get_data(as_text=True)


def test_a_work_order_prints_on_a4_and_receipt_and_is_audited(client, auth, session, make_resident):
    client.set_cookie("linli_locale", "zh_Hans")
    ticket = new_ticket(
        session, make_resident("派工", age=70), "repair-water", {"where": "home", "urgent": "yes"}
    )
    auth.sign_in("property")
    for suffix in ("", "?format=receipt"):
        page = client.get(f"/staff/tickets/{ticket.id}/work-order{suffix}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "派工单" in text
        assert ticket.number in text
        assert "派工" in text
        assert "紧急" in text
        assert "居民签字" in text
    assert "work-order-receipt" in text
    assert session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "ticket.print", AuditEntry.subject_id == ticket.resident_id
        )
    )


def a_class(session, course, people):
    from webapp.domain.training import courses
    from webapp.infra import clock

    values = {"place": "Room 1", "starts_at": clock.now() + timedelta(hours=1), "minutes": 60, "capacity": 10}
    ts = courses.save_session(session, SYSTEM, course, None, values)
    for person in people:
        courses.signup(session, Actor(type="resident", id=person.id), ts, person, "phone")
    session.commit()
    return ts


def test_only_volunteers_and_the_office_are_offered_as_class_leaders(client, auth, course):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("worker")
    form = client.get(f"/staff/training/courses/{course.id}/classes/new").get_data(as_text=True)
    leaders = form[form.index('name="leaders"') - 400 :]
    assert "李明" in form
    assert "陈静" in form
    assert "赵刚" not in leaders
    assert "孙医生" not in leaders


def test_a_mark_keeps_the_leaders_place_and_finished_attendees_fold(
    client, auth, session, course, make_resident
):
    client.set_cookie("linli_locale", "en")
    learning, finished = make_resident("还在学"), make_resident("学完了")
    for code in course.skill_codes:
        set_level(session, SYSTEM, finished, code, SkillLevel.ON_MY_OWN, "session")
    ts = a_class(session, course, [learning, finished])
    auth.sign_in("volunteer")
    url = f"/staff/training/classes/{ts.id}"
    page = client.get(url).get_data(as_text=True)
    box = page[page.index(f'id="a{finished.id}"') :].split("</summary>")[0]
    assert "<details" in box
    assert " open" not in box
    assert "All skills done" in box
    box = page[page.index(f'id="a{learning.id}"') :].split("</summary>")[0]
    assert '<details class="attendee-box" open>' in box
    assert "0 of 2 skills on their own" in box
    token = csrf_token(client, url)
    mark = {"csrf_token": token, "resident": learning.id, "skill": "scan_qr", "level": "with_help"}
    # Without the script: back to the same attendee, open.
    plain = client.post(f"{url}/mark", data=mark)
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"{url}?open={learning.id}#a{learning.id}")
    # With it: an answer in words, no page to reload.
    quiet = client.post(
        f"{url}/mark", data={**mark, "level": "on_my_own"}, headers={"Accept": "application/json"}
    )
    assert quiet.status_code == 200
    assert quiet.get_json() == {"saved": True, "words": "Saved."}
    bad = client.post(f"{url}/mark", data={**mark, "level": "x"}, headers={"Accept": "application/json"})
    assert bad.status_code == 400
    assert bad.get_json()["saved"] is False
    page = client.get(url).get_data(as_text=True)
    assert "1 of 2 skills on their own" in page


def test_certificates_are_reachable_from_the_person_and_the_class(
    client, auth, session, course, make_resident
):
    client.set_cookie("linli_locale", "en")
    person = make_resident("有证书")
    for code in course.skill_codes:
        set_level(session, SYSTEM, person, code, SkillLevel.ON_MY_OWN, "session")
    cert = issue_if_complete(session, SYSTEM, person, session.get(Course, course.id))
    ts = a_class(session, course, [person])
    assert cert is not None
    auth.sign_in("worker")
    link = f'href="/staff/training/certificates/{cert.id}"'
    assert link in client.get(f"/staff/residents/{person.id}").get_data(as_text=True)
    assert link in client.get(f"/staff/training/classes/{ts.id}").get_data(as_text=True)
    assert client.get(f"/staff/training/certificates/{cert.id}").status_code == 200


@pytest.mark.parametrize(("locale", "label"), [("zh_Hans", "姓名"), ("zh_Hant", "姓名"), ("en", "Full name")])
def test_verify_page_says_the_persons_name_and_names_the_community(
    client, session, course, make_resident, demo_community, locale, label
):
    person = make_resident("王核验")
    for code in course.skill_codes:
        set_level(session, SYSTEM, person, code, SkillLevel.ON_MY_OWN, "session")
    cert = issue_if_complete(session, SYSTEM, person, session.get(Course, course.id))
    session.commit()
    client.set_cookie("linli_locale", locale)
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert f"<dt>{label}</dt><dd>王**</dd>" in page
    assert demo_community.name(locale) in page
    assert "名称" not in page


def test_cards_for_everyone_listed_in_one_press(client, auth, session):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("worker")
    page = client.get("/staff/cards?q=1-").get_data(as_text=True)
    listed = re.findall(r'name="listed" value="(\d+)"', page)
    assert len(listed) > 1
    assert f"Print new cards for all {len(listed)} listed" in page
    sheet = post(client, "/staff/cards/print", all="1", listed=listed)
    assert sheet.status_code == 200
    assert sheet.get_data(as_text=True).count('class="resident-card"') == len(listed)
