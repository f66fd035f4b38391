"""The messaging console at phone width (issue 17): an office worker on a 360 px phone opens the channels
page, the form of each kind of channel, a channel's edit page, the deliveries page (with delivered, failed and
waiting messages, so both of its wide tables are there), the staff group alerts on it and a resident's message
preferences; axe passes on each, in every locale.

(The route-wide axe test opens these at 1280 px, where no table scrolls: a table too wide for the phone is a
scrolling region a keyboard must be able to reach, which only this width shows.)
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.browser.conftest import Visitor, deliver_outbox
from tests.browser.test_accessibility import violations
from webapp.config import LOCALES
from webapp.domain.messages.outbox import Recipient, add
from webapp.infra.channels.registry import KINDS
from webapp.infra.unit_of_work import job
from webapp.models import ChannelSetting, Community, OutboxMessage, OutboxStatus

PHONE = (360, 740)


@pytest.fixture(scope="module")
def messages(live_server) -> dict[str, int]:
    """Messages in every state the deliveries page words: delivered (through the demo's SMS file), failed for
    good with the gateway's words, and waiting for a retry."""
    app = live_server.app
    resident_id = app.config["LINLI_DEMO_IDS"]["resident"]
    with app.app_context(), job(app) as session:
        community = session.scalar(select(Community).where(Community.slug == "guihua"))
        for n in range(3):
            add(
                session,
                community.id,
                Recipient("resident", resident_id, "zh_Hans"),
                ["sms"],
                "ticket_note",
                {"name": "秀英", "number": f"B-00{n}"},
            )
        channel_id = session.scalar(
            select(ChannelSetting.id).where(ChannelSetting.community_id == community.id)
        )
    deliver_outbox(app)
    with app.app_context(), job(app) as session:
        add(
            session,
            community.id,
            Recipient("group", None, "zh_Hans"),
            ["wecom"],
            "escalated",
            {"number": "B-9"},
        )
        add(
            session,
            community.id,
            Recipient("group", None, "zh_Hans"),
            ["dingtalk"],
            "urgent",
            {"number": "B-8"},
        )
        session.flush()
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.channel == "wecom")
            .values(
                status=OutboxStatus.FAILED,
                attempts=6,
                last_error="WeCom robot: the webhook key is not valid (errcode 93000: invalid webhook url).",
            )
        )
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.channel == "dingtalk")
            .values(attempts=2, last_error="DingTalk robot answered HTTP 503; will try again.")
        )
    assert channel_id is not None
    return {"community": community.id, "resident": resident_id, "channel": channel_id}


@pytest.mark.parametrize("locale", LOCALES)
def test_messaging_console_at_phone_width(browser, live_server, messages, locale):
    visitor = Visitor(browser, live_server.url, width=PHONE[0], height=PHONE[1])
    visitor.set_locale(locale)
    visitor.sign_in("admin")
    pages = [
        "/staff/channels",
        *(f"/staff/channels/new?kind={kind}" for kind in KINDS if kind != "webpush"),
        f"/staff/channels/{messages['channel']}",
        "/staff/deliveries",
        f"/staff/residents/{messages['resident']}/messages",
    ]
    problems: list[str] = []
    for path in pages:
        response = visitor.goto(path)
        assert response is not None, path
        assert response.status == 200, (path, response.status)
        problems += [f"{path}: {v}" for v in violations(visitor)]
    # Both of the deliveries page's tables are there, and the latest messages are wider than the phone (what
    # makes the box a scrolling region a keyboard must reach).
    visitor.goto("/staff/deliveries")
    wide = visitor.page.evaluate(
        "[...document.querySelectorAll('.table-wrap')].map(w => w.scrollWidth > w.clientWidth)"
    )
    assert len(wide) == 2, wide
    assert wide[1], wide
    # The group alerts on the same page, after saving them: the page comes back and still passes.
    visitor.page.locator("input[name=alert]").first.check()
    visitor.tap("form[action$='/deliveries/alerts'] button[type=submit]")
    problems += [f"alerts saved: {v}" for v in violations(visitor)]
    # The result of a channel's test message, in its box.
    visitor.goto("/staff/channels")
    visitor.page.locator("form[action*='/test#'] button").first.click()
    visitor.page.locator("#test-result").wait_for()
    assert visitor.page.locator("#test-result").count() == 1
    problems += [f"test result: {v}" for v in violations(visitor)]
    visitor.close()
    assert not problems, "\n".join(problems)
