"""The API's pages in a real browser, in every locale: the console's API keys page (empty, with a key just
made and shown once, with a bad form) and the public API docs page pass axe and the page-weight budget.

(The route-wide axe and weight tests also visit both pages; this one also sees the states after a POST.)
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import Visitor
from tests.browser.test_accessibility import violations
from tests.browser.test_page_weight import FIRST_HTML_BUDGET, TOTAL_BUDGET, weigh
from webapp.config import LOCALES


@pytest.mark.parametrize("locale", LOCALES)
def test_api_keys_page_and_docs(browser, live_server, locale):
    visitor = Visitor(browser, live_server.url, width=1280, height=800)
    visitor.set_locale(locale)
    visitor.sign_in("admin")
    problems: list[str] = []
    visitor.goto("/staff/api-keys")
    problems += [f"empty: {v}" for v in violations(visitor)]

    visitor.page.fill("#name", "")
    visitor.tap("form[action$='/api-keys'] button[type=submit]")
    assert (
        visitor.page.locator(".error-summary").count() == 1
    )  # nothing chosen: the form says what is missing
    problems += [f"bad form: {v}" for v in violations(visitor)]

    visitor.page.fill("#name", f"区级看板 {locale}")
    visitor.page.check("input[value='tickets:read']")
    visitor.page.click("form[action$='/api-keys'] button[type=submit]")
    secret = visitor.page.input_value("#made-key")
    assert secret.startswith("linli_")
    problems += [f"made: {v}" for v in violations(visitor)]
    visitor.goto("/staff/api-keys")
    assert secret not in visitor.page.content()  # shown once
    assert visitor.page.locator("tbody tr").filter(has_text=f"区级看板 {locale}").count() == 1

    total, first_html, _ = weigh(visitor, "/staff/api-keys")
    assert total <= TOTAL_BUDGET
    assert first_html <= FIRST_HTML_BUDGET
    visitor.close()

    reader = Visitor(browser, live_server.url)
    reader.set_locale(locale)
    reader.goto("/api/docs")
    problems += [f"docs: {v}" for v in violations(reader)]
    assert reader.page.locator("h3 code").count() == 14
    total, first_html, _ = weigh(reader, "/api/docs")
    assert total <= TOTAL_BUDGET
    assert first_html <= FIRST_HTML_BUDGET
    reader.close()
    assert not problems, "\n".join(problems)
