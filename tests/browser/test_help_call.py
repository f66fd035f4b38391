"""The help call (一键呼叫) in Chromium at the kiosk's 1080×1920: from the attract screen without a card and
from the home screen of a visit, one confirming tap, the screen saying (and reading aloud) who was told, then
the acknowledgement from the alerted person's phone appearing on the kiosk by itself; a call nobody answers
climbing the chain on a frozen clock, the kiosk naming each person told as the texts arrive; the new pages through
axe, the theme minimums and the page-weight budget in three locales.

Screenshots of the help call, to be looked at, only when LINLI_SCREENSHOTS names a folder (the variable the
family tests read): `LINLI_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest tests/browser/test_help_call.py`
renews the ones in docs/screenshots/."""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.lists import format_list
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser.conftest import DEMO_PIN, Visitor, ask, deliver_outbox, texts_sent
from tests.browser.test_accessibility import violations
from tests.browser.test_page_weight import FIRST_HTML_BUDGET, TOTAL_BUDGET, weigh
from tests.browser.test_theme import measure
from tests.conftest import VAULT, FrozenClock
from webapp.domain.privacy.audit import Actor
from webapp.domain.safety import calls
from webapp.infra import clock
from webapp.infra.db import database
from webapp.infra.queue import queue_of
from webapp.models import Community, HelpCall, OutboxMessage, Resident

KIOSK = (1080, 1920)
PHONE = (360, 740)
SHOTS = os.environ.get("LINLI_SCREENSHOTS")  # a folder for the screenshots; none are taken without it
# The demo's chain on a weekday morning: the guard room, the community worker, the office's duty phone, the
# sample resident's daughter (webapp/content/demo.py).
CHAIN_PHONES = ["13900000101", "13900000102", "13900000103", "13900000104"]
WAITING = {
    "zh_Hans": "已通知值班人员（门卫室 老李），请稍候。",
    "zh_Hant": "已通知值班人員（門衛室 老李），請稍候。",
    "en": "We have told the person on duty (门卫室 老李). Please wait.",
}


def shot(visitor: Visitor, name: str) -> None:
    """A screenshot of the kiosk's screen as it is, when LINLI_SCREENSHOTS names a folder."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        visitor.page.screenshot(path=str(Path(SHOTS) / name))


def latest_call(live_server) -> HelpCall:
    with database(live_server.app).sessionmaker() as session:
        call = session.scalar(select(HelpCall).order_by(HelpCall.id.desc()))
        assert call is not None
        session.expunge(call)
        return call


def ack_path(call: HelpCall) -> str:
    return f"/help/{calls.ack_token(VAULT, call.id)}"


def call_from(visitor: Visitor, shot_name: str | None = None) -> None:
    """The big button, then the one confirming tap (120/110 are on the screen above it)."""
    visitor.page.locator("a.btn-help, a[href='/kiosk/help']").first.click()
    visitor.page.wait_for_url(visitor.base + "/kiosk/help")
    text = visitor.page.inner_text("main")
    assert text.index("120") < text.index(visitor.page.inner_text("button.btn-help"))
    if shot_name:
        shot(visitor, shot_name)
    visitor.page.click("button.btn-help")
    visitor.page.wait_for_url(f"{visitor.base}/kiosk/help/call/*")


def test_help_call_from_the_attract_screen_and_its_acknowledgement(browser, live_server):
    kiosk = Visitor(browser, live_server.url, *KIOSK)
    kiosk.set_locale("zh_Hans")
    kiosk.goto("/kiosk/")
    shot(kiosk, "kiosk-attract-help-zh_Hans.png")
    # Headless Chromium has no voice: the server's espeak-ng reads the screen.
    assert ask(kiosk.page, "speechSynthesis.getVoices().length") == 0
    with kiosk.page.expect_request(
        lambda r: r.url.endswith("/kiosk/speech") and "%E5%80%BC%E7%8F%AD" in (r.post_data or "")  # 值班
    ):
        call_from(kiosk, "kiosk-help-confirm-zh_Hans.png")
    assert WAITING["zh_Hans"] in kiosk.page.inner_text("h1")
    call = latest_call(live_server)
    assert (call.source, call.resident_id) == ("attract", None)
    with database(live_server.app).sessionmaker() as session:
        alerted = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "help_call", OutboxMessage.recipient_kind == "duty"
            )
        ).all()
        assert [m.alert for m in alerted] == [True]
    shot(kiosk, "kiosk-help-call-zh_Hans.png")

    guard = Visitor(browser, live_server.url, *PHONE)
    guard.set_locale("zh_Hans")
    guard.goto(ack_path(call))
    assert "1幢一楼大堂" in guard.page.inner_text("main")
    guard.page.fill("#ack-name", "老李")
    guard.tap("main form button[type=submit]")
    assert "老李" in guard.page.inner_text("main")
    guard.close()

    # The kiosk learns it by itself (help.js polls), then shows and reads who is coming and since when.
    kiosk.page.locator("h1", has_text="正在赶来").wait_for(timeout=20000)
    assert "老李 正在赶来" in kiosk.page.inner_text("h1")
    assert "确认时间" in kiosk.page.inner_text("main")
    shot(kiosk, "kiosk-help-call-acknowledged-zh_Hans.png")
    kiosk.close()


def test_help_call_from_the_kiosk_home_names_the_resident(browser, live_server):
    kiosk = Visitor(browser, live_server.url, *KIOSK)
    kiosk.set_locale("en")
    kiosk.start_kiosk_visit(live_server.card_token)
    call_from(kiosk)
    call = latest_call(live_server)
    with database(live_server.app).sessionmaker() as session:
        resident = session.get(Resident, call.resident_id)
        assert resident is not None
        assert resident.name == live_server.resident_name
    assert call.source == "kiosk"
    assert "Please wait" in kiosk.page.inner_text("h1")

    staff = Visitor(browser, live_server.url, *PHONE)
    staff.sign_in("worker")
    staff.goto(ack_path(call))
    assert live_server.resident_name in staff.page.inner_text("main")  # staff see who, audited
    assert "13900000104" in staff.page.inner_text("main")  # and the daughter's number, to ring her
    staff.tap("main form button[type=submit]")
    staff.close()
    kiosk.page.locator("h1", has_text="on the way").wait_for(timeout=20000)
    kiosk.close()


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_help_call_pages_pass_axe_size_and_weight(browser, live_server, locale):
    problems: list[str] = []
    kiosk = Visitor(browser, live_server.url, *KIOSK)
    kiosk.set_locale(locale)
    kiosk.goto("/kiosk/help")
    kiosk.page.click("button.btn-help")
    kiosk.page.wait_for_url(f"{kiosk.base}/kiosk/help/call/*")
    path = kiosk.page.url.removeprefix(kiosk.base)
    call = latest_call(live_server)
    for state in ("waiting", "acknowledged"):
        if state == "acknowledged":
            with database(live_server.app).sessionmaker() as session:
                row = session.get(HelpCall, call.id)
                if row is not None and row.acknowledged_at is None:
                    calls.acknowledge(session, Actor(type="anonymous"), row, "老李")
                    session.commit()
        for label, visitor, page_path, minimums in (
            ("kiosk", kiosk, path, (24, 64)),
            ("kiosk help", kiosk, "/kiosk/help", (24, 64)),
        ):
            visitor.goto(page_path)
            problems += [f"{label} {state} {locale}: {v}" for v in violations(visitor)]
            problems += [f"{label} {state} {locale}: {p}" for p in measure(visitor, *minimums, 7.0)]
            total, first_html, _by_type = weigh(visitor, page_path)
            if total > TOTAL_BUDGET or first_html > FIRST_HTML_BUDGET:
                problems.append(f"{label} {state} {locale}: {total} bytes, first HTML {first_html} gz")
        phone = Visitor(browser, live_server.url, *PHONE)
        phone.set_locale(locale)
        phone.goto(ack_path(call))
        problems += [f"ack {state} {locale}: {v}" for v in violations(phone)]
        problems += [f"ack {state} {locale}: {p}" for p in measure(phone, 18, 48, None)]
        total, first_html, _by_type = weigh(phone, ack_path(call))
        if total > TOTAL_BUDGET or first_html > FIRST_HTML_BUDGET:
            problems.append(f"ack {state} {locale}: {total} bytes, first HTML {first_html} gz")
        phone.close()
    if locale == "en":  # the call's own screen again (the loop ended on the help page), acknowledged
        kiosk.goto(path)
        assert "老李 is on the way." in kiosk.page.inner_text("h1")
        shot(kiosk, "kiosk-help-call-acknowledged-en.png")
    kiosk.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant", "en"])
def test_kiosk_contacts_after_the_pin_pass_axe_and_size(browser, live_server, locale):
    kiosk = Visitor(browser, live_server.url, *KIOSK)
    kiosk.set_locale(locale)
    kiosk.start_kiosk_visit(live_server.card_token)
    kiosk.goto("/kiosk/contacts")
    kiosk.page.fill("#pin", DEMO_PIN)
    kiosk.page.click("form.pin-form button[type=submit]")
    kiosk.page.wait_for_selector("#name")
    assert "*******0104" in kiosk.page.inner_text("main")  # the demo daughter, masked
    problems = [f"contacts {locale}: {v}" for v in violations(kiosk)]
    problems += [f"contacts {locale}: {p}" for p in measure(kiosk, 24, 64, 7.0)]
    kiosk.close()
    assert not problems, "\n".join(problems)


def next_weekday_morning(timezone: str) -> datetime:
    """10:00 in the community on the next working day at least an hour from now (the demo's community worker
    is on duty Monday to Friday, 08:30-17:30), as UTC."""
    local = datetime.now(ZoneInfo(timezone)) + timedelta(hours=1)
    day = local.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10, 0), ZoneInfo(timezone)).astimezone(UTC)


def test_a_call_nobody_answers_climbs_the_chain_and_the_kiosk_names_each_person(browser, live_server):
    """On a frozen clock: the guard's text at once, then every three minutes (the community's setting) the
    community worker's, the office phone's and the daughter's, each arriving at the demo's SMS channel and
    named on the kiosk as it happens, without a tap; after the family, nothing more."""
    app = live_server.app
    tasks = queue_of(app)
    with Session(database(app).engine) as session:
        for open_call in calls.open_calls(session, {app.config["LINLI_DEMO_IDS"]["community"]}):
            calls.close_call(session, Actor(type="system"), open_call, "helped")  # the earlier tests' calls
        community = session.get(Community, app.config["LINLI_DEMO_IDS"]["community"])
        assert community is not None
        minutes, timezone = community.help_ack_minutes, community.timezone
        session.commit()
    deliver_outbox(app)  # what the earlier tests' calls sent
    reached = len(texts_sent(app))
    frozen = FrozenClock(next_weekday_morning(timezone))
    try:
        kiosk = Visitor(browser, live_server.url, *KIOSK)
        kiosk.set_locale("zh_Hans")
        kiosk.start_kiosk_visit(live_server.card_token)
        call_from(kiosk)
        told = ["门卫室 老李"]
        phones = CHAIN_PHONES[:1]

        def observed() -> tuple[list[str], str]:
            """The texts that reached the chain's phones so far (the worker delivers), and the kiosk's heading."""
            deliver_outbox(app)
            texts = [str(t["to"]) for t in texts_sent(app)[reached:] if str(t["to"]) in CHAIN_PHONES]
            return texts, kiosk.page.inner_text("h1")

        assert observed() == (phones, f"已通知值班人员（{told[0]}），请稍候。")
        for step in ("陈静", "社区值班手机", "女儿 红", None):
            frozen.advance(minutes=minutes - 1)
            tasks.help_round.call_local()  # the worker's round, every minute: not yet
            frozen.advance(minutes=1)
            tasks.help_round.call_local()  # the minutes are up: the next step, if there is one
            if step is not None:
                told.append(step)
                phones = CHAIN_PHONES[: len(phones) + 1]
            names = format_list(told, locale="zh_Hans_CN")  # 老李、陈静和…: as Chinese lists names
            heading = f"已通知值班人员（{names}），请稍候。"
            # Nobody taps: the screen asks every few seconds and shows (and says) who else was told.
            kiosk.page.locator("h1", has_text=heading).wait_for(timeout=20000)
            assert observed() == (phones, heading), step
        shot(kiosk, "kiosk-help-call-escalated-zh_Hans.png")
        kiosk.close()
    finally:
        clock.freeze(None)
