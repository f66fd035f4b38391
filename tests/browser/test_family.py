"""Family accounts (亲情账号) in two browsers: the resident at the kiosk links their daughter by a one-time QR,
the daughter's phone (360×740) signs in by the SMS code the worker delivered, each scope is allowed or refused
as chosen, the resident hears what she did and ends the link at the kiosk; a reused or expired QR is refused
in words. Every family page is checked by axe in three locales, and screenshots are kept to be looked at."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.browser.conftest import Visitor, code_sent_to, texts_sent
from tests.browser.test_accessibility import violations
from tests.browser.test_theme import MINIMUMS, measure
from tests.conftest import DEMO_PIN
from webapp.config import LOCALES
from webapp.infra import clock
from webapp.infra.db import database
from webapp.models import AuditEntry, FamilyLink

SHOTS = Path(os.environ.get("LINLI_SCREENSHOTS", "/tmp/linli-family-shots"))  # noqa: S108 (looked at by hand)
SON_PHONE = "13900139000"


def shot(visitor: Visitor, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    visitor.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def axe_clean(visitor: Visitor, label: str, problems: list[str]) -> None:
    problems += [f"{label} {visitor.page.url}: {v}" for v in violations(visitor)]


def kiosk_link(visitor: Visitor, scopes: list[str], problems: list[str], locale: str) -> str:
    """At the kiosk: the PIN, who and what, and the QR's address."""
    visitor.goto("/kiosk/home")
    visitor.tap("a[href='/kiosk/family']")
    if visitor.page.locator("#pin").count():
        axe_clean(visitor, f"[kiosk PIN {locale}]", problems)
        visitor.page.fill("#pin", DEMO_PIN)
        visitor.tap("form.pin-form button[type=submit]")
    visitor.page.wait_for_url("**/kiosk/family")
    axe_clean(visitor, f"[kiosk family {locale}]", problems)
    visitor.tap("a[href='/kiosk/family/new']")
    axe_clean(visitor, f"[kiosk new link {locale}]", problems)
    visitor.page.check("input[name=relation][value=son]")
    for scope in scopes:
        visitor.page.check(f"input[name=scopes][value={scope}]")
    visitor.page.click("form.family-form button[type=submit]")
    qr = visitor.page.locator("[data-family-qr]")
    qr.wait_for()
    axe_clean(visitor, f"[kiosk QR {locale}]", problems)
    return str(qr.get_attribute("data-family-qr")).split("://", 1)[1].split("/", 1)[1]


def test_linking_by_qr_in_two_browsers_scopes_and_ending_at_the_kiosk(browser, live_server):
    app = live_server.app
    problems: list[str] = []
    kiosk = Visitor(browser, live_server.url, width=1080, height=1920)
    kiosk.set_locale("zh_Hans")
    kiosk.start_kiosk_visit(live_server.card_token)
    path = "/" + kiosk_link(kiosk, ["checkins", "tickets"], problems, "zh_Hans")
    shot(kiosk, "kiosk-family-qr")

    phone = Visitor(browser, live_server.url, paired=False)  # the son's own phone, 360×740
    phone.set_locale("zh_Hans")
    phone.goto(path)
    assert "成为亲情联系人" in phone.page.inner_text("h1") or phone.page.locator("#phone").count()
    axe_clean(phone, "[phone link zh_Hans]", problems)
    shot(phone, "phone-family-link")
    phone.page.fill("#phone", SON_PHONE)
    phone.page.click("form:not(.display-controls) button[type=submit]")
    phone.page.wait_for_url("**/family/code")
    axe_clean(phone, "[phone code zh_Hans]", problems)
    phone.page.fill("#code", code_sent_to(app, SON_PHONE))
    phone.page.click("form:not(.display-controls) button[type=submit]")
    phone.page.wait_for_url(live_server.url + "/family")
    shot(phone, "phone-family-home")
    phone.tap(f"text={live_server.resident_name}")
    link_id = int(phone.page.url.rsplit("/", 1)[1])
    shot(phone, "phone-family-resident")
    # Chosen: check-ins and requests; not chosen: bookings, refused in words.
    assert phone.goto(f"/family/{link_id}/checkins").status == 200
    refused = phone.goto(f"/family/{link_id}/bookings")
    assert refused.status == 403
    assert "没有与您分享" in phone.page.inner_text("main")
    shot(phone, "phone-family-refused")
    assert phone.goto(f"/family/{link_id}/tickets").status == 200
    phone.page.click(f"a[href='/family/{link_id}/tickets/new']")
    phone.page.select_option("#service", "suggestion")
    phone.page.fill("#details", "楼道灯坏了")
    phone.page.click("form:not(.display-controls) button[type=submit]")
    phone.page.wait_for_url(f"**/family/{link_id}/tickets")
    shot(phone, "phone-family-requests")

    with Session(database(app).engine) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.submit")).all()[-1]
        assert (entry.actor_type, entry.actor_role) == ("family", "son")
        assert entry.on_behalf_of_id is not None

    # The resident hears it on the kiosk home, then ends the link there.
    kiosk.goto("/kiosk/home")
    assert "您的儿子替您报了办件" in kiosk.page.inner_text("main")
    shot(kiosk, "kiosk-home-family-news")
    kiosk.goto("/kiosk/family")
    kiosk.tap(f"[data-family-link='{link_id}'] button[type=submit]")
    axe_clean(kiosk, "[kiosk end question zh_Hans]", problems)
    kiosk.tap("[data-confirm-yes]")
    assert "已结束" in kiosk.page.inner_text("main")
    assert phone.goto(f"/family/{link_id}/checkins").status == 404

    # The same QR again, on another phone: refused in words.
    other = Visitor(browser, live_server.url, paired=False)
    other.set_locale("zh_Hans")
    assert other.goto(path).status == 410
    assert "已经用过" in other.page.inner_text("main")
    shot(other, "phone-family-qr-used")
    kiosk.page.click("form[data-finish] button")  # the resident walks away: the next test starts a visit
    kiosk.page.wait_for_url(live_server.url + "/kiosk/")
    for visitor in (kiosk, phone, other):
        visitor.close()
    assert not problems, "\n".join(problems)


def test_an_expired_family_qr_is_refused_in_words_in_three_locales(browser, live_server):
    kiosk = Visitor(browser, live_server.url, width=1080, height=1920)
    kiosk.set_locale("en")
    kiosk.start_kiosk_visit(live_server.card_token)
    problems: list[str] = []
    path = "/" + kiosk_link(kiosk, ["bookings"], problems, "en")
    with Session(database(live_server.app).engine) as s:  # eleven minutes later
        s.execute(
            update(FamilyLink)
            .where(FamilyLink.claimed_at.is_(None))
            .values(expires_at=clock.now() - timedelta(minutes=1))
        )
        s.commit()
    phone = Visitor(browser, live_server.url, paired=False)
    words = {"zh_Hans": "超过10分钟", "zh_Hant": "超過10分鐘", "en": "more than 10 minutes old"}
    for locale in LOCALES:
        phone.set_locale(locale)
        assert phone.goto(path).status == 410
        assert words[locale] in phone.page.inner_text("main"), locale
        axe_clean(phone, f"[expired QR {locale}]", problems)
    shot(phone, "phone-family-qr-expired")
    # The kiosk's family screens (the PIN is fresh now) in every locale: axe, text and target sizes, 7:1.
    font, target = MINIMUMS["kiosk"]
    for locale in LOCALES:
        kiosk.set_locale(locale)
        for screen in ("/kiosk/family", "/kiosk/family/new"):
            kiosk.goto(screen)
            assert kiosk.page.url.endswith(screen), kiosk.page.url
            axe_clean(kiosk, f"[kiosk {locale}]", problems)
            problems += [f"{screen} [{locale}]: {p}" for p in measure(kiosk, font, target, 7.0)]
    shot(kiosk, "kiosk-family-new")
    kiosk.close()
    phone.close()
    assert not problems, "\n".join(problems)


def test_a_family_member_adds_a_passkey_and_signs_in_with_it_without_a_code(browser, live_server):
    from tests.browser.test_identity_journeys import add_virtual_authenticator

    phone = Visitor(browser, live_server.url, paired=False)
    phone.set_locale("en")
    add_virtual_authenticator(phone)
    phone.sign_in_family(live_server.app)
    phone.page.click("button[data-passkey=register]")
    phone.page.wait_for_selector("text=Next time, sign in with your fingerprint or face")
    assert phone.page.locator("button[data-passkey=register]").count() == 0
    problems = violations(phone)
    phone.page.click("form[action='/family/sign-out'] button")
    phone.page.wait_for_url(live_server.url + "/")
    assert phone.goto("/family").url.endswith("/family/sign-in")
    problems += violations(phone)
    texts_before = len(texts_sent(live_server.app))
    phone.page.click("button[data-passkey=sign-in]")
    phone.page.wait_for_url(live_server.url + "/family")
    assert live_server.resident_name in phone.page.inner_text("main")
    assert len(texts_sent(live_server.app)) == texts_before  # no SMS was needed
    phone.close()
    assert not problems, "\n".join(problems)


def test_a_daughter_books_an_appointment_time_on_her_phone(browser, live_server):
    """The daughter linked with every scope books a health-check time for her mother with one tap on a time:
    the confirmation is on screen where the eye is, the time is gone from the list, the page passes axe and
    the phone's size minimums (checked as at the largest text)."""
    from webapp.domain.desk.bookings import release
    from webapp.models import Booking, BookingStatus, Resident

    with Session(database(live_server.app).engine) as s:  # the demo books her a health check: free it first
        mother = s.scalar(select(Resident).where(Resident.name == live_server.resident_name))
        for booking in s.scalars(
            select(Booking).where(Booking.resident_id == mother.id, Booking.status == BookingStatus.BOOKED)
        ):
            release(s, booking)
        s.commit()
    phone = Visitor(browser, live_server.url, paired=False)
    phone.set_locale("zh_Hans")
    phone.sign_in_family(live_server.app)
    phone.page.click("a[data-family-link]")
    phone.page.click("a[href$='/bookings']")
    first = phone.page.locator("[data-appointments] button[data-slot]").first
    first.wait_for()
    slot = first.get_attribute("data-slot")
    shot(phone, "phone-family-appointments")
    problems = violations(phone)
    font, target = MINIMUMS["phone"]
    problems += [f"size: {p}" for p in measure(phone, font, target, 4.5)]
    first.click()
    phone.page.wait_for_selector("text=已预约")
    shot(phone, "phone-family-appointment-booked")
    assert phone.page.locator(f"[data-booked='appointment-{slot}']").count() == 1  # her time, shown as hers
    assert phone.page.locator("[data-appointments] button[data-slot]").count() == 0  # no second visit offered
    assert "我们已告诉居民" in phone.page.inner_text("body")
    phone.close()
    assert not problems, "\n".join(problems)


ENDED = {
    "zh_Hans": ("已结束", "您的儿子结束了亲情账号，不再替您查看和办理"),
    "zh_Hant": ("已結束", "您的兒子結束了親情帳號，不再替您查看和辦理"),
    "en": ("has ended", "Your son ended the family link with you"),
}


def test_a_son_ends_his_own_link_on_his_phone_and_his_mother_reads_it_at_the_kiosk(browser, live_server):
    """In each language, with taps only: the son's phone asks once (the safe choice first), the link ends,
    his family page says so, and his mother reads it on the kiosk home at her next visit; axe on each page."""
    app = live_server.app
    problems: list[str] = []
    for locale in LOCALES:
        kiosk = Visitor(browser, live_server.url, width=1080, height=1920)
        kiosk.set_locale(locale)
        kiosk.start_kiosk_visit(live_server.card_token)
        path = "/" + kiosk_link(kiosk, ["checkins"], problems, locale)
        kiosk.page.click("form[data-finish] button")  # she walks away while her son signs in
        kiosk.page.wait_for_url(live_server.url + "/kiosk/")

        phone = Visitor(browser, live_server.url, paired=False)
        phone.set_locale(locale)
        phone.goto(path)
        phone.page.fill("#phone", SON_PHONE)
        phone.tap("form:not(.display-controls) button[type=submit]")
        phone.page.fill("#code", code_sent_to(app, SON_PHONE))
        phone.tap("form:not(.display-controls) button[type=submit]")
        links = phone.page.locator("[data-family-link]")
        phone.tap(links.last)
        link_id = int(phone.page.url.rsplit("/", 1)[1])
        axe_clean(phone, f"[phone family resident {locale}]", problems)
        phone.tap("form[data-family-end] button[type=submit]")
        assert phone.page.locator("[data-keep]").count() == 1  # the safe choice, first
        axe_clean(phone, f"[phone end question {locale}]", problems)
        shot(phone, f"phone-family-end-question-{locale}")
        phone.tap("[data-confirm-yes]")
        assert phone.page.url == live_server.url + "/family"
        assert ENDED[locale][0] in phone.page.inner_text("main")
        axe_clean(phone, f"[phone family after ending {locale}]", problems)
        shot(phone, f"phone-family-ended-{locale}")
        assert phone.goto(f"/family/{link_id}/checkins").status == 404
        with Session(database(app).engine) as s:
            link = s.get(FamilyLink, link_id)
            assert link.ended_by == "family"
            her_locale = link.resident.preferred_locale or "zh_Hans"

        # The kiosk speaks her own language at her visit, whatever the screen showed before.
        kiosk.start_kiosk_visit(live_server.card_token)
        assert ENDED[her_locale][1] in kiosk.page.inner_text("main")
        axe_clean(kiosk, f"[kiosk home with the news {locale}]", problems)
        shot(kiosk, f"kiosk-home-family-ended-{locale}")
        kiosk.page.click("form[data-finish] button")
        kiosk.page.wait_for_url(live_server.url + "/kiosk/")
        for visitor in (kiosk, phone):
            visitor.close()
    assert not problems, "\n".join(problems)
