"""The webhooks pages in a real browser, in every locale (issue 19): the console's webhooks page (empty, with a
bad form, with a webhook just registered and its secret shown once) and the delivery log (with a delivery that
failed for good, and after a replay) pass axe and the page-weight budget.

(The route-wide axe and weight tests visit both pages too; this one also sees the states after a POST.)
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.browser.conftest import Visitor
from tests.browser.test_accessibility import violations
from tests.browser.test_page_weight import FIRST_HTML_BUDGET, TOTAL_BUDGET, weigh
from webapp.config import LOCALES
from webapp.domain.webhooks.events import emit
from webapp.infra.unit_of_work import job
from webapp.models import Community, WebhookDelivery, WebhookStatus


def _a_failed_delivery(app) -> str:
    """An event whose delivery failed for good (no worker runs beside the live server)."""
    with app.app_context(), job(app) as session:
        community = session.scalar(select(Community).where(Community.slug == "guihua"))
        event_id = emit(session, community.id, "ticket.created", {"number": "B-0099", "status": "submitted"})
        session.flush()
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.status == WebhookStatus.PENDING)
            .values(
                status=WebhookStatus.FAILED,
                attempts=8,
                response_code=503,
                last_error="The receiver answered 503.",
            )
        )
    assert event_id is not None
    return event_id


@pytest.mark.parametrize("locale", LOCALES)
def test_webhook_pages(browser, live_server, locale):
    visitor = Visitor(browser, live_server.url, width=1280, height=800)
    visitor.set_locale(locale)
    visitor.sign_in("admin")
    problems: list[str] = []
    visitor.goto("/staff/webhooks")
    problems += [f"page: {v}" for v in violations(visitor)]

    visitor.page.fill("#name", f"区级看板 {locale}")
    visitor.page.fill("#url", "http://dashboard.example.org/linli")
    visitor.page.check("input[value='ticket.created']")
    visitor.page.check("input[value='tickets:read']")
    visitor.tap("form[action$='/webhooks'] button[type=submit]")
    assert visitor.page.locator(".error-summary").count() == 1  # plain http: said, form kept
    assert visitor.page.input_value("#name") == f"区级看板 {locale}"
    problems += [f"bad form: {v}" for v in violations(visitor)]

    visitor.page.fill("#url", "https://dashboard.example.org/linli")
    visitor.page.click("form[action$='/webhooks'] button[type=submit]")
    secret = visitor.page.input_value("#made-secret")
    assert secret.startswith("whsec_")
    problems += [f"made: {v}" for v in violations(visitor)]
    visitor.goto("/staff/webhooks")
    assert secret not in visitor.page.content()  # shown once
    total, first_html, _ = weigh(visitor, "/staff/webhooks")
    assert total <= TOTAL_BUDGET
    assert first_html <= FIRST_HTML_BUDGET

    event_id = _a_failed_delivery(live_server.app)
    visitor.goto("/staff/webhooks/log")
    mine = visitor.page.locator("tbody tr").filter(has_text=f"区级看板 {locale}")  # earlier locales' too
    row = mine.filter(has_text=event_id)
    assert row.count() == 1
    assert row.locator("strong").count() == 1  # failed for good, in bold
    problems += [f"log: {v}" for v in violations(visitor)]
    row.locator("button[type=submit]").click()
    mine.filter(has_text=event_id).nth(1).wait_for()  # the page after the replay
    assert mine.filter(has_text=event_id).count() == 2  # the replay, same event id
    problems += [f"replayed: {v}" for v in violations(visitor)]
    total, first_html, _ = weigh(visitor, "/staff/webhooks/log")
    assert total <= TOTAL_BUDGET
    assert first_html <= FIRST_HTML_BUDGET
    visitor.close()
    assert not problems, "\n".join(problems)
