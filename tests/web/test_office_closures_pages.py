"""Residents are told when the community office is closed (issue 16 item 7: holidays the office sets), on the
phone's start page and home and on the kiosk's home, with the office's hours, in their language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.web.test_home_news import kiosk_visit
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra import clock

GOLDEN_WEEK = [f"2026-10-0{day}" for day in range(1, 8)]
HOURS = "周一至周五 9:00–17:00"


@pytest.fixture
def closing(session, demo_community):
    demo_community.holidays = GOLDEN_WEEK
    demo_community.office_hours = HOURS
    session.commit()
    clock.freeze(datetime(2026, 9, 25, 2, tzinfo=UTC))  # 25 September, 10:00 in Shanghai
    yield demo_community
    clock.freeze(None)


WORDS = {
    "en": "The community office is closed from Thu 1 Oct to Wed 7 Oct.",
    "zh_Hans": "社区办公室10月1日 星期四至10月7日 星期三休息。",
    "zh_Hant": "社區辦公室10月1日 星期四至10月7日 星期三休息。",
}
OPEN = {"en": f"Open: {HOURS}", "zh_Hans": f"办公时间：{HOURS}", "zh_Hant": f"辦公時間：{HOURS}"}


@pytest.mark.parametrize("locale", sorted(WORDS))
def test_the_phone_start_page_tells_the_closure_and_the_hours(client, closing, locale):
    client.set_cookie("linli_locale", locale)
    page = client.get("/").get_data(as_text=True)
    assert WORDS[locale] in page
    assert OPEN[locale] in page


def test_a_closure_is_told_while_it_lasts_and_not_after(client, closing):
    client.set_cookie("linli_locale", "en")
    clock.freeze(datetime(2026, 10, 3, 2, tzinfo=UTC))
    assert "The community office is closed today, and until Wed 7 Oct." in client.get("/").get_data(
        as_text=True
    )
    clock.freeze(datetime(2026, 10, 8, 2, tzinfo=UTC))
    page = client.get("/").get_data(as_text=True)
    assert "community office is closed" not in page
    assert f"Open: {HOURS}" in page  # the hours stay


def test_a_closure_weeks_away_is_not_told_yet(client, closing):
    client.set_cookie("linli_locale", "en")
    clock.freeze(datetime(2026, 9, 1, 2, tzinfo=UTC))
    assert "community office is closed" not in client.get("/").get_data(as_text=True)


def test_the_residents_phone_home_tells_the_closure(closing, person, signed_in_phone):
    phone = signed_in_phone(person)
    page = phone.get("/me").get_data(as_text=True)
    assert WORDS["en"] in page
    assert f"Open: {HOURS}" in page


def test_the_kiosk_home_tells_the_closure(app, kiosk_token, session, closing, person):
    card = issue_card(session, SYSTEM, person)
    session.commit()
    home = kiosk_visit(app, kiosk_token, card).get("/kiosk/home").get_data(as_text=True)
    assert WORDS["en"] in home
    assert f"Open: {HOURS}" in home


def test_one_closed_day_today_is_said_so(app, kiosk_token, session, closing, person):
    closing.holidays = ["2026-09-25"]
    session.commit()
    card = issue_card(session, SYSTEM, person)
    session.commit()
    home = kiosk_visit(app, kiosk_token, card).get("/kiosk/home").get_data(as_text=True)
    assert "The community office is closed today." in home


def test_the_closure_pages_read_nothing_while_rendering(app, client, kiosk_token, session, closing, person):
    from tests.web.conftest import PIN_OF_PERSON  # noqa: F401 (the phone fixture's PIN)
    from tests.web.test_render_reads_nothing import reads_while_rendering

    card = issue_card(session, SYSTEM, person)
    session.commit()
    kiosk = kiosk_visit(app, kiosk_token, card)
    client.set_cookie("linli_locale", "en")
    with reads_while_rendering(app) as reads:
        pages = [kiosk.get("/kiosk/home").get_data(as_text=True), client.get("/").get_data(as_text=True)]
    assert reads == []
    assert all(WORDS["en"] in page for page in pages)
