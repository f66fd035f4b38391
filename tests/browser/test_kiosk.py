"""Kiosk journeys in Chromium: scanning at scanner speed, idle reset, assisted mode, and every kiosk screen
of an identified resident through axe."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser.conftest import PLAYING, Visitor, ask, wait_until
from tests.browser.test_accessibility import violations
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra import clock
from webapp.infra.db import database
from webapp.models import AuditEntry, KioskVisit, Resident

KIOSK = (1080, 1920)


def scan(visitor: Visitor, text: str, delay: float = 5) -> None:
    """Type like a keyboard-wedge scanner: a fast burst ending in Enter, anywhere on the page."""
    visitor.page.keyboard.type(text, delay=delay)
    visitor.page.keyboard.press("Enter")


def card_url(live_server) -> str:
    return f"http://127.0.0.1:5000/c/{live_server.card_token}"


def test_scan_identifies_human_typing_does_not(browser, live_server):
    visitor = Visitor(
        browser, live_server.url, *KIOSK, service_worker=True
    )  # as deployed: scans race its fetches
    visitor.set_locale("zh_Hans")
    visitor.goto("/kiosk/")
    sent: list[str] = []  # what reached the server as a scan, in order
    visitor.page.on(
        "request", lambda r: sent.append(r.post_data or "") if "scan=" in (r.post_data or "") else None
    )
    scan(visitor, card_url(live_server), delay=80)  # a person typing the same text
    visitor.scan_card("]Q1" + card_url(live_server), keys_only=True)  # then the scanner
    assert len(sent) == 1, sent  # the typing was never sent: the scanner's burst was the first and only scan
    assert f"{live_server.resident_name}，您好" in visitor.page.inner_text("h1")
    assert live_server.card_token not in visitor.page.content()


def test_unknown_card_is_refused_in_words(browser, live_server):
    visitor = Visitor(browser, live_server.url, *KIOSK)
    visitor.set_locale("en")
    visitor.goto("/kiosk/")
    message = visitor.page.locator("[data-scan-message]")
    visitor.scan_card(
        "http://127.0.0.1:5000/c/NotARealCardTokenAtAll00",
        until=lambda timeout: message.wait_for(state="visible", timeout=timeout),
    )
    assert "this card is not known here" in message.inner_text()
    assert visitor.page.url.endswith("/kiosk/")
    # A card replaced by a new one (lost, then reissued): refused, said in words and read aloud (by the server's
    # espeak-ng where the browser has no voice, as headless Chromium here).
    with database(live_server.app).sessionmaker() as session:
        sample = session.scalar(select(Resident).where(Resident.name == live_server.resident_name))
        person = Resident(community_id=sample.community_id, name="丢卡的周阿姨")  # a card of this test's own
        session.add(person)
        session.flush()
        old = issue_card(session, SYSTEM, person)
        new = issue_card(session, SYSTEM, person)
        session.commit()
    assert ask(visitor.page, "speechSynthesis.getVoices().length") == 0
    with visitor.page.expect_request(lambda r: r.url.endswith("/kiosk/speech")) as said:
        visitor.scan_card(
            old.url("http://127.0.0.1:5000"),
            until=lambda timeout: message.filter(has_text="no longer works").wait_for(timeout=timeout),
        )
    assert "Sorry%2C+this+card+no+longer+works" in (said.value.post_data or "")
    wait_until(visitor.page, PLAYING, timeout=20)  # heard, not only requested
    assert visitor.page.url.endswith("/kiosk/")
    visitor.scan_card(new.url("http://127.0.0.1:5000"))  # the new card works


def test_idle_warning_then_full_reset(browser, live_server):
    visitor = Visitor(browser, live_server.url, *KIOSK, service_worker=True)  # its caches are checked below
    visitor.set_locale("en")
    visitor.page.clock.install()
    visitor.goto("/kiosk/")
    visitor.page.evaluate("localStorage.setItem('x', 'personal'); sessionStorage.setItem('y', 'personal')")
    visitor.scan_card(card_url(live_server))
    # Whatever a page might have kept during the visit: a cache and an IndexedDB database with the name in them.
    ask(
        visitor.page,
        f"""(async () => {{
          await (await caches.open('scratch')).put('/kiosk/scratch', new Response({live_server.resident_name!r}));
          await new Promise(done => {{
            const open = indexedDB.open('scratch');
            open.onupgradeneeded = () => open.result.createObjectStore('s').put({live_server.resident_name!r}, 1);
            open.onsuccess = () => {{ open.result.close(); done(); }};
          }});
          return true;
        }})()""",
    )
    # Playwright's installed clock also runs with real time: 10 s of margin for a loaded machine's page load.
    visitor.page.clock.fast_forward("00:50")
    assert visitor.page.locator("[data-idle-overlay]").is_hidden()
    visitor.page.clock.fast_forward("00:11")
    overlay = visitor.page.locator("[data-idle-overlay]")
    overlay.wait_for(state="visible")
    assert "Are you still there?" in overlay.inner_text()
    visitor.page.click("[data-still-here]")  # one tap extends
    assert overlay.is_hidden()
    visitor.page.clock.fast_forward("01:01")
    overlay.wait_for(state="visible")
    visitor.page.clock.fast_forward("00:21")
    visitor.page.wait_for_url(visitor.base + "/kiosk/")
    assert visitor.page.evaluate("localStorage.length + sessionStorage.length") == 0
    cached = ask(
        visitor.page,
        """(async () => {
          const out = [];
          for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) out.push(await (await cache.match(request)).text());
          }
          return out.join("\\n");
        })()""",
    )
    assert live_server.resident_name not in cached  # the service worker's caches hold nothing personal
    assert ask(visitor.page, "indexedDB.databases().then(d => d.length)") == 0
    visitor.page.go_back()
    assert live_server.resident_name not in visitor.page.content()
    visitor.page.reload()
    assert live_server.resident_name not in visitor.page.content()
    for personal in ("/kiosk/home", "/kiosk/tickets", "/kiosk/phone", "/kiosk/skills", "/kiosk/timebank"):
        visitor.goto(personal)
        assert visitor.page.url.endswith("/kiosk/"), personal
        assert live_server.resident_name not in visitor.page.content()


def test_server_ends_the_visit_even_if_the_page_script_died(browser, live_server):
    visitor = Visitor(browser, live_server.url, *KIOSK)
    visitor.goto("/kiosk/")
    visitor.scan_card(card_url(live_server))
    cookies = visitor.context.cookies()
    visitor.page.close()  # the page and its script are gone; nobody pressed anything
    clock.freeze(clock.now() + timedelta(seconds=86))
    try:
        replay = Visitor(browser, live_server.url, *KIOSK)
        replay.context.add_cookies(cookies)
        response = replay.goto("/kiosk/home")
        assert replay.page.url.endswith("/kiosk/")
        assert live_server.resident_name not in replay.page.content()
        assert response is not None
        replay.close()
    finally:
        clock.freeze(None)
    with Session(database(live_server.app).engine) as session:
        last = session.scalars(select(KioskVisit).order_by(KioskVisit.id.desc())).first()
        assert last.ended_at is not None
        assert last.end_reason == "idle"


def test_assisted_mode_records_both_people(browser, live_server):
    from webapp.domain.kiosk.badges import issue_badge
    from webapp.domain.privacy.audit import SYSTEM
    from webapp.models import StaffUser

    with Session(database(live_server.app).engine) as session:
        volunteer = session.scalar(select(StaffUser).where(StaffUser.username == "volunteer"))
        badge_token = issue_badge(session, SYSTEM, volunteer)
        session.commit()
        helper_name, helper_id = volunteer.display_name, volunteer.id
    visitor = Visitor(
        browser, live_server.url, *KIOSK, service_worker=True
    )  # as deployed: scans race its fetches
    visitor.set_locale("zh_Hans")
    visitor.goto("/kiosk/")
    visitor.scan_card(
        f"http://127.0.0.1:5000/b/{badge_token}",
        until=lambda timeout: visitor.page.wait_for_url(visitor.base + "/kiosk/start", timeout=timeout),
    )
    assert helper_name in visitor.page.inner_text(".assist-banner")
    assert violations(visitor) == []  # the assisted start screen, with its ID-number field
    visitor.scan_card(card_url(live_server))
    banner = visitor.page.inner_text(".assist-banner")
    assert live_server.resident_name in banner
    assert helper_name in banner
    visitor.page.click("form[action='/kiosk/checkin'] button")
    visitor.page.wait_for_selector(".done-art")
    with Session(database(live_server.app).engine) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "care.check_in").order_by(AuditEntry.id.desc())
        ).first()
        assert entry.actor_id == helper_id
        assert entry.actor_type == "staff"
        assert entry.on_behalf_of_id == entry.subject_id
        assert entry.channel.startswith("kiosk:")
    visitor.page.click("form[data-finish] button")
    visitor.page.wait_for_url(visitor.base + "/kiosk/")


def test_every_kiosk_screen_of_a_visit_passes_axe(browser, live_server):
    problems: list[str] = []
    for locale in ("zh_Hans", "zh_Hant", "en"):
        for display in ("00", "21"):
            visitor = Visitor(browser, live_server.url, *KIOSK)
            visitor.set_locale(locale)
            visitor.set_cookie("linli_display", display)
            visitor.goto("/kiosk/")
            visitor.scan_card(card_url(live_server))
            label = f"[kiosk {locale} {display}]"
            problems += [f"{label} home: {v}" for v in violations(visitor)]
            tiles = visitor.page.locator(".kiosk-tiles li").count()
            assert 1 <= tiles <= 8
            visitor.goto("/kiosk/tickets")
            first = visitor.page.locator("a.kiosk-row").first.get_attribute("href")
            for path in (
                "/kiosk/help",
                "/kiosk/phone",
                "/kiosk/tickets",
                first,
                "/kiosk/report?kind=ask",
                "/kiosk/report/health-check/1",
                "/kiosk/report/childcare-care/1",
                "/kiosk/report/childcare-care/review",
            ):
                visitor.goto(path)
                problems += [f"{label} {path}: {v}" for v in violations(visitor)]
            visitor.goto("/kiosk/home")
            visitor.page.click("form[action='/kiosk/checkin'] button")
            visitor.page.wait_for_selector(".done-art")
            problems += [f"{label} check-in: {v}" for v in violations(visitor)]
            visitor.close()
    assert not problems, "\n".join(problems)


def test_unpaired_browser_sees_the_pairing_screen(browser, live_server):
    visitor = Visitor(browser, live_server.url, *KIOSK, paired=False)
    visitor.goto("/kiosk/")
    assert visitor.page.url.endswith("/kiosk/pair")
    problems = violations(visitor)
    visitor.page.fill("#code", "WRONGCODE")
    visitor.page.click(".pair-form button[type=submit]")
    assert "not valid" in visitor.page.inner_text(".error-summary") or "无效" in visitor.page.inner_text(
        ".error-summary"
    )
    problems += violations(visitor)
    visitor.close()
    assert not problems, problems


def test_attract_and_home_fit_without_scrolling(browser, live_server):
    """Portrait 1080x1920, landscape 1920x1080 and a 1280x800 tablet, at the normal text size."""
    problems = []
    for width, height in ((1080, 1920), (1920, 1080), (1280, 800)):
        for locale in ("zh_Hans", "en"):
            visitor = Visitor(browser, live_server.url, width, height)
            visitor.set_locale(locale)
            visitor.goto("/kiosk/")
            pages = [("attract", visitor.page.evaluate("document.documentElement.scrollHeight"))]
            visitor.scan_card(card_url(live_server))
            pages.append(("home", visitor.page.evaluate("document.documentElement.scrollHeight")))
            for name, scroll_height in pages:
                if scroll_height > height:
                    problems.append(f"{name} at {width}x{height} {locale}: {scroll_height}px tall")
            visitor.close()
    assert not problems, "\n".join(problems)


def test_report_a_broken_stairway_light_in_six_taps_without_typing(browser, live_server):
    from tests.unit.test_qr import decode
    from webapp.models import Ticket

    problems: list[str] = []
    for locale, labels in (
        ("zh_Hans", ("报修投诉", "灯坏了", "楼道或楼梯", "否", "发送")),
        ("zh_Hant", ("報修投訴", "燈壞了", "樓道或樓梯", "否", "送出")),
        ("en", ("Report a problem", "A light is broken", "Stairway or corridor", "No", "Send")),
    ):
        visitor = Visitor(browser, live_server.url, *KIOSK)
        visitor.set_locale(locale)
        visitor.goto("/kiosk/")
        visitor.scan_card(card_url(live_server))
        taps = 0
        for label in labels:
            problems += [f"[{locale} before {label}] {v}" for v in violations(visitor)]
            link = visitor.page.get_by_role("link", name=label)
            visitor.tap(link.or_(visitor.page.get_by_role("button", name=label, exact=True)).first)
            taps += 1
        assert taps <= 6
        number = visitor.page.inner_text(".clock")
        problems += [f"[{locale} done] {v}" for v in violations(visitor)]
        url = decode(visitor.page.inner_html(".qr-large"))[0]
        with Session(database(live_server.app).engine) as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number))
            assert ticket.answers == {"where": "stairs", "urgent": False}
            assert ticket.channel.startswith("kiosk:")
        phone = Visitor(browser, live_server.url, paired=False)
        phone.set_locale(locale)
        phone.page.goto(url.replace("http://127.0.0.1:5000", live_server.url))
        assert number in phone.page.inner_text("main")
        assert live_server.resident_name not in phone.page.content()
        problems += [f"[{locale} public ticket] {v}" for v in violations(phone)]
        phone.close()
        visitor.close()
    assert not problems, "\n".join(problems)


def test_a_pasted_card_link_identifies_like_a_scan(browser, live_server):
    visitor = Visitor(
        browser, live_server.url, *KIOSK, service_worker=True
    )  # as deployed: scans race its fetches
    visitor.goto("/kiosk/")
    visitor.page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData('text', text);
            document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
        }""",
        card_url(live_server),
    )
    visitor.page.wait_for_url(visitor.base + "/kiosk/home")
