"""Canaries for the browser harness itself: what Visitor collects and fails on, so a green browser test means
its pages logged nothing wrong (a silent read-aloud was once a CSP refusal nobody saw)."""

from __future__ import annotations

from tests.browser.conftest import Visitor


def drain(visitor: Visitor) -> list[str]:
    """What the visitor collected so far, taken out so the fixture's check at the end sees a clean slate."""
    errors, visitor.errors = visitor.errors, []
    return errors


def wait_for_errors(visitor: Visitor, *wanted: str) -> None:
    """They arrive as events: wait until each is collected, 5 s at most (the assertions then say which not)."""
    for _ in range(100):
        if all(any(w in e for e in visitor.errors) for w in wanted):
            return
        visitor.page.wait_for_timeout(50)


def test_a_refused_page_is_expected_but_a_missing_stylesheet_or_script_is_not(browser, live_server):
    visitor = Visitor(browser, live_server.url)
    response = visitor.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    assert drain(visitor) == [], "a page the test asked for and that answers 404 in words is not an error"

    visitor.goto("/")
    visitor.page.evaluate(
        """() => { const l = document.createElement('link'); l.rel = 'stylesheet';
                   l.href = '/static/css/missing.css'; document.head.append(l);
                   const s = document.createElement('script'); s.src = '/static/js/missing.js';
                   document.head.append(s); }"""
    )
    wait_for_errors(visitor, "missing.css", "script answered 404: ")
    errors = drain(visitor)
    # (Chromium reports a stylesheet refused for its type as a failed request, not a response: the console
    # line that says so is what fails the test there.)
    assert any("missing.css" in e for e in errors), errors
    assert any(e.startswith("script answered 404: ") and "missing.js" in e for e in errors), errors


def test_script_errors_and_policy_refusals_are_collected(browser, live_server):
    visitor = Visitor(browser, live_server.url)
    visitor.goto("/")
    visitor.page.evaluate("() => { console.error('broken on purpose'); }")
    visitor.page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';
                   document.body.append(s); }"""  # an inline script: the policy refuses it
    )
    visitor.page.evaluate("() => { setTimeout(() => { throw new Error('thrown on purpose'); }, 0); }")
    wait_for_errors(visitor, "console: broken on purpose", "CSP violation: script-src", "thrown on purpose")
    errors = drain(visitor)
    assert any("console: broken on purpose" in e for e in errors), errors
    assert any(e.startswith("CSP violation: script-src") for e in errors), errors
    assert any("page error:" in e and "thrown on purpose" in e for e in errors), errors
