"""Page weight as a cheap phone on patchy data feels it: what the browser actually loads, per page.

Budgets: HTML + CSS + JS <= 60 KB uncompressed; the first HTML response <= 14 KB gzip-compressed
(what arrives in the first round trip).
"""

from __future__ import annotations

import gzip

from tests.browser.conftest import Visitor
from tests.browser.routes import html_get_routes

TOTAL_BUDGET = 60 * 1024
FIRST_HTML_BUDGET = 14 * 1024
COUNTED = {"document", "stylesheet", "script"}


def weigh(visitor: Visitor, path: str) -> tuple[int, int, dict[str, int]]:
    """What loading *path* fetched. Our pages add no script or stylesheet after they load (no script of ours
    creates one), so the page is weighed once every counted request it started has finished, instead of
    waiting half a second of network quiet after each of some 250 pages."""
    loaded: list = []
    pending: set[object] = set()

    def started(request: object) -> None:
        if request.resource_type in COUNTED:  # type: ignore[attr-defined]
            pending.add(request)

    def finished(request: object) -> None:
        pending.discard(request)
        loaded.append(request)

    def failed(request: object) -> None:
        pending.discard(request)

    listeners = {"request": started, "requestfinished": finished, "requestfailed": failed}
    for event, listener in listeners.items():
        visitor.page.on(event, listener)
    visitor.goto(path)
    for _ in range(500):  # 10 s at most
        if not pending:
            break
        visitor.page.wait_for_timeout(20)
    for event, listener in listeners.items():
        visitor.page.remove_listener(event, listener)
    assert not pending, f"{path}: still loading {[r.url for r in pending]}"  # type: ignore[attr-defined]
    by_type: dict[str, int] = {}
    first_html = 0
    for request in loaded:
        response = request.response()
        if response is None or request.resource_type not in COUNTED or 300 <= response.status < 400:
            continue
        body = response.body()
        by_type[request.resource_type] = by_type.get(request.resource_type, 0) + len(body)
        if request.resource_type == "document" and not first_html:
            first_html = len(gzip.compress(body, 6))
    return sum(by_type.values()), first_html, by_type


def test_every_page_is_within_budget(browser, live_server, capsys):
    routes, _ = html_get_routes(live_server.app)
    problems: list[str] = []
    lines: list[str] = []
    for audience in ("anonymous", "staff", "resident", "family", "kiosk visit"):
        staff = audience == "staff"
        visitor = Visitor(browser, live_server.url)
        if staff:
            visitor.sign_in("admin")
        elif audience == "resident":
            visitor.sign_in_resident(live_server.card_token)
        elif audience == "family":
            visitor.sign_in_family(live_server.app)
        elif audience == "kiosk visit":  # the kiosk's screens with a resident identified: their real content
            visitor.set_locale("en")
            visitor.start_kiosk_visit(live_server.card_token)
            lines.append("-- kiosk screens during a visit (en):")
        # The cache off for this audience's page: every visit below loads what a first visit loads. (One page
        # per audience: a new page per route cost a renderer's start each, a third of the test's CPU.)
        visitor.context.new_cdp_session(visitor.page).send(
            "Network.setCacheDisabled", {"cacheDisabled": True}
        )
        for route in routes:
            if route.is_staff != staff or (audience == "resident" and not route.is_resident_only):
                continue
            if (audience == "family") != route.is_family_only:
                continue
            if audience == "kiosk visit" and (route.theme != "kiosk" or route.path.startswith("/kiosk/pair")):
                continue
            total, first_html, by_type = weigh(visitor, route.path)
            lines.append(
                f"{route.path:<24} {total / 1024:6.1f} KB loaded, first HTML {first_html / 1024:5.1f} KB gz"
            )
            if total > TOTAL_BUDGET:
                problems.append(f"{route.path}: {total} bytes of HTML+CSS+JS > {TOTAL_BUDGET} ({by_type})")
            if first_html > FIRST_HTML_BUDGET:
                problems.append(f"{route.path}: first HTML {first_html} bytes gzip > {FIRST_HTML_BUDGET}")
            if not first_html:
                problems.append(f"{route.path}: no HTML document was loaded")
            if not by_type.get(
                "stylesheet"
            ):  # every page links its theme: none counted means a cache answered
                problems.append(f"{route.path}: no stylesheet was loaded (was the cache off?)")
        visitor.close()
    with capsys.disabled():
        print("\npage weight:\n  " + "\n  ".join(lines))
    assert not problems, "\n".join(problems)
