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


# Every code point outside the surrogates, up to the end of the supplementary ideographic plane.
SCAN = """(pattern) => {
  const rule = new RegExp(pattern, "u");
  const refused = [];
  for (let point = 0; point < 0x30000; point++) {
    if (point >= 0xd800 && point <= 0xdfff) continue;
    if (!rule.test(String.fromCodePoint(point))) refused.push(point);
  }
  return refused;
}"""


def test_every_pattern_in_the_document_refuses_in_a_browser_what_the_server_refuses(browser, live_server):
    """A client reads the document's patterns as ECMA-262 (JSON Schema's dialect); the server checks them with
    Python's. Each pattern is run over every code point by Chromium's own RegExp, and the text it refuses must be
    the text the server refuses: a note of "\\u0085" was valid by the document's r"\\S" and refused by the server,
    and a note of "\\ufeff" the other way round."""
    from pydantic import ValidationError

    from webapp.api.shapes import WORDS, NoteIn

    document = live_server.app.test_client().get("/api/openapi.json").get_json()
    patterns: set[str] = set()

    def collect(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.add(node["pattern"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    # One pattern, the core's "not blank", checked below against a shape that uses it; a new pattern needs its
    # own shape here.
    assert patterns == {WORDS}, patterns
    page = browser.new_page()
    try:
        in_browser = set(page.evaluate(SCAN, WORDS))
        # The server's verdict on a single character, over the characters either side refuses and a few it
        # must take (a letter, a Han character, a zero-width no-break space).
        candidates = in_browser | {c for c in range(0x30000) if chr(c).isspace()} | {0x61, 0x4E00, 0xFEFF}
        by_server = set()
        for point in candidates:
            try:
                NoteIn.model_validate({"note": chr(point)})
            except ValidationError:
                by_server.add(point)
        # The server keeps the core's rule (str.isspace: what str.strip takes away), not only the pattern's.
        assert by_server == {c for c in range(0x30000) if chr(c).isspace()}
        assert in_browser == by_server, (
            f"refused only in a browser {sorted(map(hex, in_browser - by_server))}, "
            f"only by the server {sorted(map(hex, by_server - in_browser))}"
        )
    finally:
        page.close()
