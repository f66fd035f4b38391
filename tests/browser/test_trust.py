"""What makes an 80-year-old trust the kiosk and the phone, as they perceive it: the screen is read aloud (the
audio really plays), a refused card is explained where the eye is and aloud, nothing is cancelled by one tap,
a booking says when, where and what to bring, days come before times, every screen has a way back and home,
the next person meets the kiosk's own settings, and the phone remembers who is signed in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import DEMO_PIN, PLAYING, Visitor, ask, wait_until
from tests.browser.routes import html_get_routes
from tests.browser.test_accessibility import violations
from webapp.domain.identity.cards import issue_card
from webapp.domain.identity.pins import set_pin
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra import clock
from webapp.infra.db import database
from webapp.models import (
    Booking,
    BookingStatus,
    Household,
    Kiosk,
    Resident,
    Status,
    Ticket,
    TrainingSession,
)

KIOSK = (1080, 1920)
LOCALES = ["zh_Hans", "zh_Hant", "en"]

# Any Content-Security-Policy refusal on the page (the silent read-aloud was one).
WATCH_CSP = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation',"
    " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def kiosk_visitor(browser, live_server, locale: str, display: str | None = None) -> Visitor:
    visitor = Visitor(browser, live_server.url, *KIOSK)
    visitor.context.add_init_script(WATCH_CSP)
    visitor.set_locale(locale)
    if display:
        visitor.set_cookie("linli_display", display)
    return visitor


def new_resident(live_server, name: str) -> tuple[str, int]:
    """A resident of the test's own with a card and a home (tests here book and cancel): (card URL, id)."""
    with database(live_server.app).sessionmaker() as session:
        sample = session.scalar(select(Resident).where(Resident.name == live_server.resident_name))
        person = Resident(community_id=sample.community_id, name=name, household_id=sample.household_id)
        session.add(person)
        session.flush()
        card = issue_card(session, SYSTEM, person)
        set_pin(session, SYSTEM, person, DEMO_PIN)
        session.commit()
        return card.url("http://127.0.0.1:5000"), person.id


def assert_heard(visitor: Visitor) -> None:
    wait_until(visitor.page, PLAYING, timeout=20)
    assert ask(visitor.page, "window.__csp") == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_kiosk_screen_reads_itself_aloud_and_has_a_way_back_and_home(browser, live_server, locale):
    """Every kiosk screen of a visit: the Read aloud button (a speaker, not a bell) plays the screen's words,
    the top of the screen has Home (and Back where there is somewhere to go back to), and no page logs an
    error (Visitor.close fails on any)."""
    routes, _ = html_get_routes(live_server.app)
    card, _id = new_resident(live_server, f"朗读测试{locale}")
    visitor = kiosk_visitor(browser, live_server, locale)
    visitor.goto("/kiosk/")
    visitor.scan_card(card)
    assert (
        ask(visitor.page, "speechSynthesis.getVoices().length") == 0
    )  # as on a Linux kiosk: the server speaks
    screens = 0
    for route in routes:
        if route.theme != "kiosk" or route.path.startswith(("/kiosk/pair", "/design", "/kiosk/offline")):
            continue
        visitor.goto(route.path)
        speak = visitor.page.locator("[data-speak]")
        assert speak.is_visible(), route.path
        assert speak.locator("use").get_attribute("href").endswith("#speaker"), route.path
        speak.click()
        assert_heard(visitor)
        if route.endpoint == "error":  # an unknown address: the error page's own "Go to the start page"
            assert visitor.page.locator(
                "main a.btn", has=visitor.page.locator("use[href$='#home']")
            ).is_visible()
        elif not visitor.page.url.endswith(("/kiosk/home", "/kiosk/")):
            home = visitor.page.locator(".kiosk-nav a").last
            assert home.is_visible(), f"no way home on {route.path}"
            assert home.bounding_box()["y"] < 600, f"the way home is not at the top of {route.path}"
        screens += 1
    assert screens >= 20
    visitor.goto("/kiosk/home")
    assert visitor.page.url.endswith("/kiosk/home"), "the visit ended during the walk"
    # Activities and classes are one tap from home, and there are still at most eight tiles.
    tiles = visitor.page.locator(".kiosk-tiles a")
    hrefs = [tiles.nth(i).get_attribute("href") for i in range(tiles.count())]
    assert "/kiosk/events" in hrefs
    assert "/kiosk/skills" in hrefs
    assert len(hrefs) <= 8
    visitor.tap(".kiosk-tiles a[href='/kiosk/tickets']")
    back = visitor.page.locator(".kiosk-nav a").last
    assert back.is_visible()
    back.click()
    visitor.page.wait_for_url(visitor.base + "/kiosk/home")


@pytest.mark.parametrize(
    ("locale", "words"),
    [
        ("zh_Hans", "无法识别这张卡"),
        ("zh_Hant", "無法識別這張卡"),
        ("en", "this card is not known here"),
    ],
)
def test_a_refused_card_is_explained_beside_the_prompt_and_aloud(browser, live_server, locale, words):
    visitor = kiosk_visitor(browser, live_server, locale)
    visitor.goto("/kiosk/")
    message = visitor.page.locator("[data-scan-message]")
    visitor.scan_card(
        "http://127.0.0.1:5000/c/NotARealCardTokenAtAll00",
        until=lambda timeout: message.wait_for(state="visible", timeout=timeout),
    )
    assert words in message.inner_text()
    # Where the eye is: inside the "scan your card" part of the screen, in large type, in the first screenful.
    assert visitor.page.locator(".scan-how [data-scan-message]").count() == 1
    box = message.bounding_box()
    assert box["y"] + box["height"] < KIOSK[1]
    size = float(
        ask(
            visitor.page,
            "parseFloat(getComputedStyle(document.querySelector('[data-scan-message]')).fontSize)",
        )
    )
    assert size >= 32
    assert_heard(visitor)


def book_health_check(visitor: Visitor) -> str:
    """Tap through a booking: the service, a day, a time, Send; returns the ticket number."""
    visitor.goto("/kiosk/report?kind=ask")
    visitor.page.locator("a[href='/kiosk/report/health-check/1']").click()
    days = visitor.page.locator(".day-choices a")
    days.first.wait_for()
    assert days.count() >= 2
    days.first.click()
    visitor.page.locator("button.choice").first.click()
    visitor.page.wait_for_url(re.compile(r".*/review$"))
    visitor.page.locator("main form button[type=submit]").click()
    visitor.page.wait_for_load_state("load")
    return visitor.page.locator(".clock").inner_text().strip()


WHEN = {  # the first free time may be morning or afternoon, as other tests have booked
    "zh_Hans": re.compile(r"\d+月\d+日 星期[一二三四五六日] (上午|下午)\d+:00"),
    "zh_Hant": re.compile(r"\d+月\d+日 星期[一二三四五六日] (上午|下午)\d+:00"),
    "en": re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d+ [A-Z][a-z]{2}, \d+:00 (am|pm)"),
}
CANCEL = {
    "zh_Hans": ("取消", "健康体检", "已取消"),
    "zh_Hant": ("取消", "健康體檢", "已取消"),
    "en": ("Cancel your A health check on", "A health check", "is cancelled"),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_a_booking_says_when_and_where_and_one_tap_never_cancels_it(browser, live_server, locale):
    card, resident_id = new_resident(live_server, f"预约测试{locale}")
    visitor = kiosk_visitor(browser, live_server, locale)
    visitor.goto("/kiosk/")
    visitor.scan_card(card)
    number = book_health_check(visitor)
    done = visitor.page.locator("main").inner_text()
    when = WHEN[locale].search(done)
    assert when, done  # the booked date and time, as the language writes them
    assert "翠苑社区卫生服务站" in done  # the venue, not the resident's flat
    assert ("身份证" in done) or ("身分證" in done) or ("ID card" in done)  # what to bring
    assert not re.search(r"答复|答覆|answer by", done)  # no reply deadline where no reply is expected
    assert_heard(visitor)  # the result is said aloud as well
    assert violations(visitor) == []  # answers to a POST: the route tests of axe do not reach them
    with database(live_server.app).sessionmaker() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.household_id is not None
        assert ticket.resident_id == resident_id
    # One tap on "cancel" only asks, naming the thing and its time, with "keep it" first and largest.
    visitor.goto(f"/kiosk/tickets/{number}")
    visitor.page.locator("button[value=cancel]").click()
    question = visitor.page.locator(".confirm-question").inner_text()
    assert violations(visitor) == []
    ask_words, what, done_words = CANCEL[locale]
    assert ask_words in question
    assert what in question
    assert when.group(0) in question
    keep, yes = visitor.page.locator("[data-keep]"), visitor.page.locator("[data-confirm-yes]")
    kb, yb = keep.bounding_box(), yes.bounding_box()
    assert kb["y"] < yb["y"]
    assert kb["height"] >= yb["height"]
    assert kb["height"] >= 96
    keep.click()
    with database(live_server.app).sessionmaker() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.status != Status.CANCELLED
        assert (
            session.scalar(select(Booking).where(Booking.request_id == ticket.id)).status
            == BookingStatus.BOOKED
        )
    visitor.page.locator("button[value=cancel]").click()
    visitor.tap("[data-confirm-yes]")
    said = visitor.page.locator("h1").inner_text()
    assert violations(visitor) == []
    assert done_words in said
    assert when.group(0) in said
    assert_heard(visitor)
    with database(live_server.app).sessionmaker() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket.status == Status.CANCELLED


DAY = {
    "zh_Hans": re.compile(r"^\d+月\d+日 星期[一二三四五六日]$"),
    "zh_Hant": re.compile(r"^\d+月\d+日 星期[一二三四五六日]$"),
    "en": re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d+ [A-Z][a-z]{2}$"),
}
TIME = {
    "zh_Hans": re.compile(r"^(上午|下午)\d+:00 · 剩余 \d+ 个名额$"),
    "zh_Hant": re.compile(r"^(上午|下午)\d+:00 · 剩餘 \d+ 個名額$"),
    "en": re.compile(r"^\d+:00 (am|pm) · \d+ places left$"),
}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_slot_picker_shows_days_then_times_written_as_the_language_writes_them(
    browser, live_server, locale
):
    visitor = kiosk_visitor(browser, live_server, locale)
    visitor.start_kiosk_visit(live_server.card_token)
    visitor.goto("/kiosk/report/health-check/1")
    days = visitor.page.locator(".day-choices a")
    assert 2 <= days.count() <= 14  # a button per day, not two dozen similar times
    first_line = days.first.inner_text().split("\n")[0].strip()
    assert DAY[locale].match(first_line), first_line
    assert re.search(r"\d", days.first.locator(".choice-note").inner_text())  # places left that day
    assert "," not in first_line or locale == "en"
    back = visitor.page.locator("main a.btn-huge", has=visitor.page.locator("use[href$='#back']")).last
    assert back.bounding_box()["y"] + back.bounding_box()["height"] <= KIOSK[1]  # Back on the screen
    days.first.click()
    visitor.page.wait_for_url(re.compile(r".*[?&]day="))
    times = visitor.page.locator("button.choice")
    times.first.wait_for()  # the times' page, not the days' page still on screen
    assert 1 <= times.count() <= 6
    for i in range(times.count()):
        assert TIME[locale].match(times.nth(i).inner_text().strip()), times.nth(i).inner_text()
    assert DAY[locale].match(visitor.page.locator(".question-day").inner_text().strip())
    visitor.page.locator(".kiosk-nav a").first.click()  # Back: to the days
    visitor.page.locator(".day-choices a").first.wait_for()


def test_the_next_person_meets_the_kiosks_own_language_and_size(browser, live_server):
    """Someone switches to English, the largest text and high contrast, then presses Finish; or walks away and
    the idle reset ends the visit: the attract screen is back in the kiosk's language at normal size."""
    with database(live_server.app).sessionmaker() as session:
        session.scalar(select(Kiosk)).default_locale = "zh_Hant"  # this kiosk speaks Traditional Chinese
        session.commit()
    try:
        visitor = Visitor(browser, live_server.url, *KIOSK, service_worker=True)
        visitor.goto("/kiosk/")
        assert visitor.page.locator("html").get_attribute("lang") == "zh-Hant"
        visitor.start_kiosk_visit(live_server.card_token)
        visitor.tap(".display-controls button[name=locale][value='en']")
        visitor.tap(".display-controls button[name=text_size][value='2']")
        visitor.tap(".display-controls button[name=contrast][value='1']")
        html = visitor.page.locator("html")
        assert html.get_attribute("lang") == "en"
        assert "text-2" in html.get_attribute("class")
        visitor.page.locator("form[data-finish] button").click()
        visitor.page.wait_for_url(visitor.base + "/kiosk/")
        wait_until(visitor.page, "document.documentElement.lang === 'zh-Hant'")
        classes = html.get_attribute("class")
        assert "text-0" in classes
        assert "contrast-high" not in classes
        # The same after walking away: the warning, then the reset.
        visitor.page.clock.install()
        visitor.start_kiosk_visit(live_server.card_token)
        visitor.tap(".display-controls button[name=locale][value='en']")
        visitor.tap(".display-controls button[name=text_size][value='2']")
        visitor.page.clock.fast_forward("01:01")
        visitor.page.locator("[data-idle-overlay]").wait_for(state="visible")
        visitor.page.clock.fast_forward("00:21")
        visitor.page.wait_for_url(visitor.base + "/kiosk/")
        wait_until(visitor.page, "document.documentElement.lang === 'zh-Hant'")
        assert "text-0" in visitor.page.locator("html").get_attribute("class")
        visitor.close()
    finally:
        with database(live_server.app).sessionmaker() as session:
            session.scalar(select(Kiosk)).default_locale = None
            session.commit()


def test_the_attract_screen_shows_where_the_scanner_is_and_whats_on_today(browser, live_server):
    with database(live_server.app).sessionmaker() as session:
        kiosk = session.scalar(select(Kiosk))
        kiosk.scanner_place = "right"
        ts = session.scalar(select(TrainingSession).order_by(TrainingSession.id))
        moved, ts.starts_at, ts.ends_at = (
            (ts.starts_at, ts.ends_at),
            clock.now() - timedelta(minutes=5),
            clock.now() + timedelta(minutes=90),
        )
        session.commit()
        class_id = ts.id
    try:
        for display in ("00", "20", "21"):  # normal, the largest text, the largest text in high contrast
            visitor = kiosk_visitor(browser, live_server, "en", display)
            visitor.goto("/kiosk/")
            how = visitor.page.locator(".scan-how")
            assert "scanner to the right of the screen" in how.inner_text()
            assert visitor.page.locator(".scan-how svg.scanner-picture").is_visible()
            buttons = visitor.page.locator("main .attract-actions a.btn-huge").all()
            assert len(buttons) == 2  # Start, and Call for help
            for button in buttons:  # both on the screen, without scrolling
                assert button.bounding_box()["y"] + button.bounding_box()["height"] <= KIOSK[1]
            assert ask(
                visitor.page, "document.documentElement.scrollWidth <= innerWidth"
            )  # nothing cut sideways
            today = visitor.page.locator(".attract-today")
            assert today.count() == 1
            assert re.search(r"\d+:\d\d (am|pm)", today.inner_text())
            visitor.close()
    finally:
        with database(live_server.app).sessionmaker() as session:
            session.scalar(select(Kiosk)).scanner_place = "below"
            ts = session.get(TrainingSession, class_id)
            ts.starts_at, ts.ends_at = moved
            session.commit()


def test_a_signed_in_resident_is_home_on_the_phone_and_in_the_installed_app(browser, live_server):
    card, resident_id = new_resident(live_server, "手机测试")
    with database(live_server.app).sessionmaker() as session:
        household = session.get(Resident, resident_id).household
        assert isinstance(household, Household)
    visitor = Visitor(browser, live_server.url, paired=False)
    visitor.set_locale("en")
    visitor.sign_in_resident(card.rsplit("/", 1)[-1])
    visitor.page.locator("header .brand").click()  # the home link
    visitor.page.wait_for_url(visitor.base + "/me")
    assert "手机测试, welcome" in visitor.page.locator("h1").inner_text()
    manifest = visitor.page.evaluate("fetch('/manifest/en.webmanifest').then(r => r.json())")
    visitor.goto(manifest["start_url"])  # what the installed app opens
    assert visitor.page.url == visitor.base + "/me"


@pytest.mark.parametrize(
    ("locale", "where", "lift", "optional"),
    [
        ("zh_Hans", "在哪里？", "电梯", "（可不填）"),
        ("zh_Hant", "在哪裡？", "電梯", "（可不填）"),
        ("en", "Where is it?", "Lift", "(optional)"),
    ],
)
def test_the_phone_wizard_asks_each_question_once(browser, live_server, locale, where, lift, optional):
    """Taps on a phone: "where" is asked once (the review does not ask it again), "optional" is said once, and
    an appointment's review names the venue, not the resident's flat."""
    card, _id = new_resident(live_server, f"向导测试{locale}")
    visitor = Visitor(browser, live_server.url, paired=False)
    visitor.set_locale(locale)
    visitor.sign_in_resident(card.rsplit("/", 1)[-1])
    visitor.goto("/ask/repair-light/1")
    assert where in visitor.page.locator("h1").inner_text()
    visitor.tap(visitor.page.get_by_role("button", name=lift))
    visitor.tap(visitor.page.locator("button.choice").last)  # not dangerous
    heading = visitor.page.locator("h1").inner_text()
    assert heading.count(optional.strip("（）()")) == 1, heading
    visitor.tap(visitor.page.locator("form button[type=submit]").last)  # nothing to add
    visitor.tap(visitor.page.locator("main a.btn").first)  # no photo: next
    visitor.page.wait_for_url("**/review")
    assert visitor.page.locator("dt", has_text=where).count() == 1  # the answer, shown once
    assert lift in visitor.page.locator("dd").first.evaluate("d => d.closest('dl').innerText")
    assert visitor.page.locator("input[name=where]").count() == 0  # not a second question
    visitor.goto("/ask/health-check/1")
    visitor.page.locator(".day-choices a").first.click()
    visitor.page.locator("button.choice").first.click()
    visitor.page.wait_for_url("**/review")
    review = visitor.page.locator("main").inner_text()
    assert "翠苑社区卫生服务站" in review
    assert visitor.page.locator("input[name=where]").count() == 0


@pytest.mark.parametrize("locale", LOCALES)
def test_giving_up_a_class_place_on_the_phone_asks_first(browser, live_server, locale):
    card, _id = new_resident(live_server, f"下课测试{locale}")
    visitor = Visitor(browser, live_server.url, paired=False)
    visitor.set_locale(locale)
    visitor.sign_in_resident(card.rsplit("/", 1)[-1])
    visitor.goto("/me/skills")
    visitor.page.locator("form[action$='/signup'] button").first.click()
    visitor.page.wait_for_load_state("load")
    visitor.page.locator("form[action$='/cancel'] button").first.click()
    visitor.page.locator(".confirm-question").wait_for()
    assert violations(visitor) == []
    keep, yes = visitor.page.locator("[data-keep]"), visitor.page.locator("[data-confirm-yes]")
    assert keep.bounding_box()["y"] < yes.bounding_box()["y"]  # the safe choice first
    keep.click()
    visitor.page.wait_for_url(re.compile(r".*/me/skills$"))
    assert visitor.page.locator("form[action$='/cancel']").count() >= 1  # still signed up
