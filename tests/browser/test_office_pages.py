"""The office's own wording and notice templates in a browser (issue 16 item 7): every new page, and the
wording page's preview and refusal states, pass axe in all three locales, with no console errors; a refused
text stays in its box and the error is announced next to it. (The route-wide axe, size and weight tests also
open these pages: this one adds the states a GET alone never shows.)"""

from __future__ import annotations

import pytest

from tests.browser.conftest import Visitor
from tests.browser.test_accessibility import violations
from webapp.config import LOCALES

PAGES = [
    "/staff/settings/wording",
    "/staff/settings/wording?locale=en",
    "/staff/notices/templates",
    "/staff/notices/templates/new",
    "/staff/notices/templates/1",
    "/staff/notices/new?template=1",
    "/staff/security",
]


@pytest.mark.parametrize("locale", LOCALES)
def test_office_pages_and_wording_states_pass_axe(browser, live_server, locale):
    visitor = Visitor(browser, live_server.url, width=1280, height=800)
    visitor.set_locale(locale)
    visitor.sign_in("admin")
    problems: list[str] = []
    for path in PAGES:
        response = visitor.goto(path)
        assert response is not None
        assert response.status == 200, path
        problems += [f"{path}: {v}" for v in violations(visitor)]
    visitor.goto("/staff/settings/wording?locale=zh_Hans")
    box = visitor.page.locator("#text-reminder")
    box.fill(
        "%(name)s您好，明天上午九点请到社区卫生服务站做体检，记得带上身份证和医保卡，如有问题请打电话给社区办公室。"
    )
    visitor.page.locator("#reminder button[value=preview]").click()
    assert "秀英您好" in visitor.page.locator("#reminder .preview").inner_text()
    problems += [f"preview: {v}" for v in violations(visitor)]
    visitor.page.locator("#text-escalated").fill("请处理 %(phone)s")
    visitor.tap("#escalated button[value=save]")
    assert visitor.page.locator("#text-escalated").input_value() == "请处理 %(phone)s"
    assert visitor.page.locator("#text-escalated").get_attribute("aria-invalid") == "true"
    assert "%(phone)s" in visitor.page.locator("#text-escalated-error").inner_text()
    problems += [f"refused: {v}" for v in violations(visitor)]
    visitor.assert_no_errors()
    visitor.close()
    assert not problems, "\n".join(problems)


def test_office_pages_meet_the_phone_minimums_and_the_weight_budget(browser, live_server):
    """What the route-wide theme and weight tests check, on these pages only (quick to run on their own)."""
    from tests.browser.test_page_weight import FIRST_HTML_BUDGET, TOTAL_BUDGET, weigh
    from tests.browser.test_theme import MINIMUMS, VIEWPORTS, measure

    min_font, min_target = MINIMUMS["phone"]
    width, height = VIEWPORTS["phone"]
    problems: list[str] = []
    for display in ("00", "21"):
        visitor = Visitor(browser, live_server.url, width=width, height=height)
        visitor.set_cookie("linli_display", display)
        visitor.sign_in("admin")
        for path in PAGES:
            visitor.goto(path)
            for details in visitor.page.locator("details > summary").all():
                details.click()  # open disclosures: what they show must meet the minimums too
            contrast = 7.0 if display.endswith("1") else None
            problems += [f"{path} [{display}]: {p}" for p in measure(visitor, min_font, min_target, contrast)]
        visitor.close()
    visitor = Visitor(browser, live_server.url)
    visitor.sign_in("admin")
    for path in PAGES:
        visitor.page.close()
        visitor.page = visitor.context.new_page()
        visitor.context.new_cdp_session(visitor.page).send(
            "Network.setCacheDisabled", {"cacheDisabled": True}
        )
        total, first_html, _ = weigh(visitor, path)
        if total > TOTAL_BUDGET or first_html > FIRST_HTML_BUDGET or not first_html:
            problems.append(f"{path}: {total} bytes loaded, first HTML {first_html} bytes gzip")
    visitor.close()
    assert not problems, "\n".join(problems)
