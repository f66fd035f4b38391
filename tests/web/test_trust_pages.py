"""Trust on the kiosk and the phone, page by page: each question asked once, the venue on an appointment's review,
leaving a class or an event asks first, each ticket once on the kiosk home with its state now, dates as each
language writes them, and "today" as the community's today (the clock near midnight, UTC and local)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.web.test_kiosk_pages import identify
from webapp.domain.desk.tickets import change_status, submit
from webapp.domain.identity.cards import issue_card
from webapp.domain.life import events
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.domain.training import courses
from webapp.infra import clock
from webapp.models import (
    Attendance,
    AttendanceStatus,
    Event,
    EventKind,
    EventSignup,
    ServiceType,
    SignupStatus,
    Status,
    Ticket,
)


@pytest.fixture
def person(make_resident):
    return make_resident("钱阿姨", age=83)


@pytest.fixture
def phone(signed_in_phone, person):
    return signed_in_phone(person)


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/me"), **data})


def test_the_phone_wizard_asks_where_once_and_says_optional_once(phone, session, person):
    first = phone.get("/ask/repair-light/1").get_data(as_text=True)
    assert "Where is it?" in first
    post(phone, "/ask/repair-light/1", answer="lift")
    post(phone, "/ask/repair-light/2", answer="no")
    details = phone.get("/ask/repair-light/3").get_data(as_text=True)
    assert details.count("(optional)") == 1
    assert "（可不填）" not in details
    review = phone.get("/ask/repair-light/review").get_data(as_text=True)
    assert 'name="where"' not in review  # not asked again
    assert review.count("<dt>Where is it?</dt>") == 1
    assert "Lift" in review
    assert "My home" not in review
    sent = post(phone, "/ask/repair-light/review")
    assert sent.status_code == 303
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == person.id))
    assert ticket.household_id is None  # the lift is not the resident's flat
    assert ticket.building_id == person.household.building_id


def test_an_appointment_review_shows_the_venue_not_the_home(phone, session, person, frozen):
    days = phone.get("/ask/health-check/1").get_data(as_text=True)
    day_links = re.findall(r'href="(/ask/health-check/1\?day=[0-9-]+)"', days)
    assert len(day_links) >= 2  # days first
    times = phone.get(day_links[0]).get_data(as_text=True)
    slot_id = re.findall(r'name="answer" value="(\d+)"', times)[0]
    post(phone, "/ask/health-check/1", answer=slot_id)
    review = phone.get("/ask/health-check/review").get_data(as_text=True)
    assert "翠苑社区卫生服务站" in review  # where the appointment is
    assert person.household.label not in review  # not the resident's flat
    assert 'name="where"' not in review
    post(phone, "/ask/health-check/review")
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == person.id))
    page = phone.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "Please bring: Your ID card" in page


def make_class(session, community_id, starts_at):
    course = courses.save_course(session, SYSTEM, community_id, None, {"zh_Hans": "用手机挂号"}, ["scan_qr"])
    values = {"place": "活动室", "starts_at": starts_at, "minutes": 60, "capacity": 9}
    return courses.save_session(session, SYSTEM, course, None, values)


def test_giving_up_a_class_place_asks_first_on_the_phone_and_the_kiosk(
    phone, kiosk_client, session, person, frozen
):
    ts = make_class(session, person.community_id, frozen.now + timedelta(days=2))
    courses.signup(session, SYSTEM, ts, person, "test")
    session.commit()
    asked = post(phone, f"/me/classes/{ts.id}/cancel")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Give up your place in 用手机挂号 on Tue 1 Dec, 5:00 pm?" in page  # 09:00 UTC + 2 days, Hangzhou
    assert page.index("No, keep my place") < page.index("Yes, give up my place")  # the safe choice first
    attendance = session.scalar(select(Attendance).where(Attendance.resident_id == person.id))
    session.refresh(attendance)
    assert attendance.status == AttendanceStatus.BOOKED
    done = post(phone, f"/me/classes/{ts.id}/cancel", confirmed="yes")
    assert done.status_code == 303
    assert "You have given up your place in 用手机挂号" in phone.get("/me/skills").get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Attendance).where(Attendance.resident_id == person.id)) is None or (
        session.scalar(select(Attendance).where(Attendance.resident_id == person.id)).status
        != AttendanceStatus.BOOKED
    )
    # At the kiosk: the same question on a screen of its own, then the result in words.
    courses.signup(session, SYSTEM, ts, person, "test")
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    kiosk_client.set_cookie("linli_locale", "zh_Hans")
    assert identify(kiosk_client, issued.url("https://x")).get_json()["ok"]
    token = csrf_token(kiosk_client, "/kiosk/home")
    asked = kiosk_client.post(f"/kiosk/classes/{ts.id}/cancel", data={"csrf_token": token})
    assert "不去 12月1日 星期二 下午5:00 的用手机挂号 了？" in asked.get_data(as_text=True)
    done = kiosk_client.post(f"/kiosk/classes/{ts.id}/cancel", data={"csrf_token": token, "confirmed": "yes"})
    assert "已为您取消 12月1日 星期二 下午5:00 的用手机挂号。" in done.get_data(as_text=True)


def test_giving_up_an_event_place_asks_first_at_the_kiosk(kiosk_client, session, person, frozen):
    event = Event(
        community_id=person.community_id,
        kind=EventKind.ACTIVITY,
        titles={"zh_Hans": "太极", "en": "Tai chi"},
        place="花园",
        starts_at=frozen.now + timedelta(days=1),
        ends_at=frozen.now + timedelta(days=1, hours=1),
        capacity=5,
    )
    session.add(event)
    session.flush()
    events.signup(session, SYSTEM, event, person, "test")
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    kiosk_client.set_cookie("linli_locale", "en")
    identify(kiosk_client, issued.url("https://x"))
    token = csrf_token(kiosk_client, "/kiosk/home")
    asked = kiosk_client.post(f"/kiosk/events/{event.id}/cancel", data={"csrf_token": token})
    assert "Give up your place in Tai chi on Mon 30 Nov, 5:00 pm?" in asked.get_data(as_text=True)
    entry = session.scalar(select(EventSignup).where(EventSignup.resident_id == person.id))
    session.refresh(entry)
    assert entry.status == SignupStatus.BOOKED
    done = kiosk_client.post(
        f"/kiosk/events/{event.id}/cancel", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert "You have given up your place in Tai chi on Mon 30 Nov, 5:00 pm." in done.get_data(as_text=True)


def test_the_kiosk_home_shows_each_ticket_once_with_its_state_now(kiosk_client, session, person):
    light = session.scalar(select(ServiceType).where(ServiceType.code == "repair-light"))
    resident = Actor(type="resident", id=person.id)
    staff = Actor(type="staff", name="赵刚")
    tickets = [
        submit(session, resident, person, light, {"where": "home", "urgent": "no"}, "kiosk").request
        for _ in range(3)
    ]
    change_status(session, staff, tickets[0], Status.IN_PROGRESS)
    change_status(session, staff, tickets[0], Status.RESOLVED)  # two pieces of news about one ticket
    change_status(session, staff, tickets[1], Status.IN_PROGRESS)
    change_status(session, staff, tickets[2], Status.ACCEPTED)
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    kiosk_client.set_cookie("linli_locale", "en")
    identify(kiosk_client, issued.url("https://x"))
    page = kiosk_client.get("/kiosk/home").get_data(as_text=True)
    top = page[page.index('class="personal"') : page.index("kiosk-tiles")]
    words = re.sub(r"<[^>]+>", " ", top)  # what the screen says
    for ticket in tickets:
        assert words.count(ticket.number) == 1, (ticket.number, words)  # one line or one chip per ticket
    assert f"{tickets[0].number} is now: Done" in words  # its state now, not "being handled"
    assert f"{tickets[1].number} · Being handled" in words
    # Every news item marked seen was shown: a second visit shows no news lines again.
    again = kiosk_client.get("/kiosk/home").get_data(as_text=True)
    assert "is now:" not in again[again.index('class="personal"') : again.index("kiosk-tiles")]


@pytest.mark.parametrize(
    ("locale", "day", "when"),
    [
        ("zh_Hans", "12月7日 星期一", "12月7日 星期一 上午9:00"),
        ("zh_Hant", "12月7日 星期一", "12月7日 星期一 上午9:00"),
        ("en", "Mon 7 Dec", "Mon 7 Dec, 9:00 am"),
    ],
)
def test_dates_are_written_as_each_language_writes_them(app, locale, day, when):
    from flask import g

    from webapp.infra.i18n import day_words, when_words

    at = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 09:00 in Hangzhou
    with app.test_request_context("/"):
        g.locale_override = locale
        assert day_words(at) == day
        assert when_words(at) == when


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 12, 4, 23, 50, tzinfo=UTC), "Saturday"),  # 07:50 Saturday in Hangzhou, Friday in UTC
        (datetime(2026, 12, 5, 0, 10, tzinfo=UTC), "Saturday"),  # 08:10 Saturday, just past midnight UTC
        (datetime(2026, 12, 5, 15, 50, tzinfo=UTC), "Saturday"),  # 23:50 Saturday in Hangzhou
        (datetime(2026, 12, 5, 16, 10, tzinfo=UTC), "Sunday"),  # 00:10 Sunday in Hangzhou, Saturday in UTC
    ],
)
def test_today_is_the_communitys_today_near_midnight(
    utc, expected, auth, kiosk_client, session, demo_community, make_staff
):
    """Classes on Friday evening, Saturday and Sunday (Hangzhou time): the staff training page's "today's
    classes" and the kiosk's "on today" name only the community's today, whatever the date is in UTC."""
    from webapp.models import Role

    clock.freeze(utc)
    try:
        starts = {
            "Friday": datetime(2026, 12, 4, 11, 0, tzinfo=UTC),  # 19:00 Friday
            "Saturday": datetime(2026, 12, 5, 15, 30, tzinfo=UTC),  # 23:30 Saturday
            "Sunday": datetime(2026, 12, 5, 16, 30, tzinfo=UTC),  # 00:30 Sunday
        }
        for name, at in starts.items():
            course = courses.save_course(
                session, SYSTEM, demo_community.id, None, {"zh_Hans": f"{name} class"}, ["scan_qr"]
            )
            values = {"place": "活动室", "starts_at": at, "minutes": 20, "capacity": 9}
            courses.save_session(session, SYSTEM, course, None, values)
        make_staff("tz-volunteer", Role.VOLUNTEER)
        session.commit()
        auth.sign_in("tz-volunteer")
        training = auth.client.get("/staff/training").get_data(as_text=True)
        today = training[training.index('id="today-h"') : training.index("</section>")]
        assert [name for name in starts if f"{name} class" in today] == [expected]
        attract = kiosk_client.get("/kiosk/").get_data(as_text=True)
        on_today = attract[attract.index("attract-today") :] if "attract-today" in attract else ""
        shown = [name for name in starts if f"{name} class" in on_today]
        assert shown in ([expected], [])  # a class already over today is not "on" any more
        assert "Friday class" not in on_today
    finally:
        clock.freeze(None)


def test_the_printed_receipt_of_a_booking_says_when_where_and_what_to_bring(app, session, person, frozen):
    """The ticket the kiosk prints (the bridge's POST /print body): an appointment's time, place and what to
    bring, and no reply deadline; a repair keeps its "we will answer by"."""
    from flask import g

    from kiosk.report import print_job
    from webapp.domain.desk.bookings import active_booking, open_slots
    from webapp.models import Kiosk

    check = session.scalar(select(ServiceType).where(ServiceType.code == "health-check"))
    slot = open_slots(session, check)[0]
    resident = Actor(type="resident", id=person.id)
    booked = submit(session, resident, person, check, {"slot": str(slot.id)}, "kiosk").request
    light = session.scalar(select(ServiceType).where(ServiceType.code == "repair-light"))
    repair = submit(session, resident, person, light, {"where": "home", "urgent": "no"}, "kiosk").request
    session.commit()
    with app.test_request_context("/kiosk/"):
        g.locale_override = "en"
        g.kiosk = session.scalar(select(Kiosk))
        job = print_job(booked, active_booking(session, booked), "https://x/t/1")
        lines = " / ".join(job["lines"])
        assert "When: " in lines
        assert "Where: 翠苑社区卫生服务站" in lines
        assert "Please bring: Your ID card" in lines
        assert "answer by" not in lines
        assert "We will answer by" in " / ".join(print_job(repair, None, "https://x/t/2")["lines"])


def test_a_resident_choosing_a_language_keeps_it_and_writes_no_staff_account(phone, session, person):
    """The language switch used to save a signed-in resident's choice on the staff account with the same id
    (resident #1 set the administrator's language) and not on the resident."""
    from webapp.models import StaffUser

    twin = session.get(StaffUser, person.id)
    if twin is None:  # a staff account whose id is the resident's, as the demo's first ones are
        twin = StaffUser(id=person.id, username="twin-of-resident", display_name="Twin", password_hash="-")
        session.add(twin)
    twin.preferred_locale = "en"
    session.commit()
    assert post(phone, "/prefs", locale="zh_Hant", next="/me").status_code == 303
    session.expire_all()
    assert session.get(type(person), person.id).preferred_locale == "zh_Hant"
    assert session.get(StaffUser, person.id).preferred_locale == "en"
    fresh = phone.get("/me")  # the saved choice outranks the cookie, which a new browser would not have
    assert 'lang="zh-Hant"' in fresh.get_data(as_text=True)


@pytest.mark.parametrize("variant", ["", "?format=machine"])
def test_csv_times_are_the_communitys_local_time(auth, session, person, frozen, variant):
    """A ticket sent at 23:34 UTC was sent at 07:34 the next morning in Hangzhou: that is what the export says."""
    frozen.now = datetime(2026, 12, 4, 23, 34, tzinfo=UTC)
    clock.freeze(frozen.now)
    light = session.scalar(select(ServiceType).where(ServiceType.code == "repair-light"))
    ticket = submit(
        session,
        Actor(type="resident", id=person.id),
        person,
        light,
        {"where": "home", "urgent": "no"},
        "kiosk",
    ).request
    session.commit()
    auth.sign_in("worker")
    body = auth.client.get(f"/staff/tickets.csv{variant}").get_data(as_text=True)
    row = next(line for line in body.splitlines() if line.startswith(ticket.number))
    assert "2026-12-05T07:34+08:00" in row
    assert "+00:00" not in body
