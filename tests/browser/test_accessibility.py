"""axe-core on every HTML GET route, for every audience that may open it, in every locale.

Anonymous visitors open every route (staff routes send them to the sign-in page, which axe checks once
per locale); each staff role
opens the console routes its role permits (a 403 for a role is recorded; its refusal page is checked once
per locale).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import Visitor
from tests.browser.routes import Route, html_get_routes
from webapp.config import LOCALES
from webapp.content.demo import DEMO_STAFF

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE = Axe()


def with_axe(visitor: Visitor) -> None:
    """axe-core (570 KB of script) in the visitor's page: sent to the browser once per context, as a script
    every new document of the context runs first, instead of once per page checked (Axe.run sends it each
    time; the route-by-route checks open some thousands of pages)."""
    if not getattr(visitor, "axe_installed", False):
        visitor.context.add_init_script(script=AXE.axe_script)
        visitor.axe_installed = True  # type: ignore[attr-defined]
    if not visitor.page.evaluate("typeof window.axe !== 'undefined'"):  # a page opened before the first check
        visitor.page.evaluate(AXE.axe_script)


def violations(visitor: Visitor, only_rules: list[str] | None = None) -> list[str]:
    options: dict = {"resultTypes": ["violations"]}
    options["runOnly"] = (
        {"type": "rule", "values": only_rules} if only_rules else {"type": "tag", "values": TAGS}
    )
    with_axe(visitor)
    response = visitor.page.evaluate(f"axe.run({AXE._format_script_args(context=None, options=options)})")
    found = []
    for v in response["violations"]:
        targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
        found.append(f"{v['id']} ({v['impact']}): {v['help']} at {targets}")
    return found


def check(
    visitor: Visitor,
    path: str,
    label: str,
    problems: list[str],
    only_rules: list[str] | None = None,
    skip: frozenset[int] = frozenset(),
) -> int:
    """Open the page and run axe on it, unless its status is in *skip* (the page it showed was checked
    already)."""
    response = visitor.goto(path)
    status = response.status if response else 0
    if status >= 500:
        problems.append(f"{label} {path}: HTTP {status}")
        return status
    if status in skip:
        return status
    for v in violations(visitor, only_rules):
        problems.append(f"{label} {path}: {v}")
    return status


HTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what a browser asks for a page


def answer_of(visitor: Visitor, path: str, problems: list[str], label: str) -> tuple[int, str | None]:
    """The status and redirect target of *path* for this visitor (its cookies), asked over HTTP without opening
    a page: an address whose page would not be checked costs no renderer. A 5xx is a problem."""
    answer = visitor.context.request.get(  # type: ignore[attr-defined]
        visitor.base + path, max_redirects=0, headers={"Accept": HTML}
    )
    status, location = answer.status, answer.headers.get("location")
    answer.dispose()
    if status >= 500:
        problems.append(f"{label} {path}: HTTP {status}")
    return status, (urlsplit(location).path if location and 300 <= status < 400 else None)


def check_unless_sent_to_checked(
    visitor: Visitor, route: Route, label: str, problems: list[str], checked: set[str]
) -> None:
    """Check the page, unless the address only sends this visitor on to a page already checked (the console
    sends anonymous visitors to its one sign-in page, the resident pages to the card page): that address is
    asked for its answer, its 5xx counts, and the page it leads to is not checked again."""
    status, target = answer_of(visitor, route.path, problems, label)
    if status >= 500 or (target is not None and target in checked):
        return
    check(visitor, route.path, label, problems)
    landed = urlsplit(visitor.page.url).path
    if landed != urlsplit(route.path).path:
        checked.add(landed)


def may_be_sent_on(route: Route, audience: str) -> bool:
    """Addresses that send this audience on to another page (to sign in first), asked before opening. Not a
    card link: it sends nobody on, and each time it is opened the app counts a guess against the address."""
    if route.endpoint == "resident.card_link":
        return False
    if audience == "anonymous":
        return route.is_staff or route.is_resident_only or route.is_family_only
    return route.is_family_only  # a resident on the family pages


def test_every_route_is_covered_or_excluded(live_server):
    routes, uncovered = html_get_routes(live_server.app)
    assert not uncovered, f"routes with parameters but no demo values in tests/browser/routes.py: {uncovered}"
    assert routes


@pytest.mark.parametrize("locale", LOCALES)
def test_axe_anonymous(browser, live_server, locale, capsys):
    routes, _ = html_get_routes(live_server.app)
    visitor = Visitor(browser, live_server.url)
    visitor.set_locale(locale)
    problems: list[str] = []
    checked: set[str] = set()  # pages reached by being sent on, checked once
    for route in routes:
        # Every console address sends an anonymous visitor to the one sign-in page: axe checks it there once,
        # and every other such address is still asked for its answer (a 5xx there counts).
        if may_be_sent_on(route, "anonymous"):
            check_unless_sent_to_checked(visitor, route, f"[anonymous {locale}]", problems, checked)
        else:
            check(visitor, route.path, f"[anonymous {locale}]", problems)
    visitor.close()
    with capsys.disabled():
        print(f"\naxe anonymous {locale}: {len(routes)} routes checked (100% of HTML GET routes)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_axe_signed_in_resident(browser, live_server, locale, capsys):
    """A resident signed in on their phone: the PIN page, their pages, and every public page."""
    routes, _ = html_get_routes(live_server.app)
    visitor = Visitor(browser, live_server.url)
    visitor.set_locale(locale)
    problems: list[str] = []
    visitor.goto(f"/c/{live_server.card_token}")
    problems += [f"[resident {locale}] PIN page: {v}" for v in violations(visitor)]
    if locale == LOCALES[0]:  # one wrong PIN (not three: the card's throttle is real)
        visitor.page.fill("#pin", "000001")
        visitor.tap("form:not(.display-controls) button[type=submit]")
        problems += [f"[resident {locale}] wrong PIN: {v}" for v in violations(visitor)]
    visitor.sign_in_resident(live_server.card_token)
    checked = 0
    sent_to: set[str] = set()
    for route in routes:
        if route.is_staff:
            continue
        if may_be_sent_on(route, "resident"):
            check_unless_sent_to_checked(visitor, route, f"[resident {locale}]", problems, sent_to)
        else:
            check(visitor, route.path, f"[resident {locale}]", problems)
        checked += 1
    visitor.close()
    with capsys.disabled():
        print(f"\naxe resident {locale}: {checked} routes checked signed in, plus the PIN page")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_axe_signed_in_family_member(browser, live_server, locale, capsys):
    """A family member (亲情账号) signed in on their own phone: every family page of their link."""
    routes, _ = html_get_routes(live_server.app)
    visitor = Visitor(browser, live_server.url, paired=False)
    visitor.set_locale(locale)
    visitor.sign_in_family(live_server.app)
    problems: list[str] = []
    checked = 0
    for route in routes:
        if route.is_family_only:
            status = check(visitor, route.path, f"[family {locale}]", problems)
            assert status == 200, f"{route.path} answered {status}"
            checked += 1
    visitor.close()
    with capsys.disabled():
        print(f"\naxe family {locale}: {checked} family pages checked signed in")
    assert checked >= 6
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_axe_kiosk_visit(browser, live_server, locale, capsys):
    """Every kiosk screen with a resident identified (anonymous, the personal ones show the attract screen)."""
    routes, _ = html_get_routes(live_server.app)
    visitor = Visitor(browser, live_server.url, width=1080, height=1920)
    visitor.set_locale(locale)
    visitor.start_kiosk_visit(live_server.card_token)
    problems: list[str] = []
    checked = 0
    for route in routes:
        if route.theme != "kiosk" or route.path.startswith(("/kiosk/pair", "/design")):
            continue
        check(visitor, route.path, f"[kiosk visit {locale}]", problems)
        checked += 1
    visitor.goto("/kiosk/home")
    assert visitor.page.url.endswith("/kiosk/home"), "the visit ended during the check"
    visitor.close()
    with capsys.disabled():
        print(f"\naxe kiosk visit {locale}: {checked} kiosk routes checked with a resident identified")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("username", "role"), [(u, r) for u, _, r in DEMO_STAFF])
def test_axe_each_staff_role(browser, live_server, username, role, capsys):
    routes, _ = html_get_routes(live_server.app)
    staff_routes = [r for r in routes if r.is_staff and r.endpoint != "auth.sign_in"]
    visitor = Visitor(browser, live_server.url, width=1280, height=800)
    visitor.sign_in(username)
    problems: list[str] = []
    allowed = forbidden = 0
    refused: set[str] = set()  # addresses refused to this role in the first language
    for locale in LOCALES:
        visitor.set_locale(locale)
        refusal_checked: frozenset[int] = frozenset()
        label = f"[{role.value} {locale}]"
        for route in staff_routes:
            # The refusal is one page whatever the address: axe checks it once per role and locale, and every
            # other refused address is opened and its 403 counted (in the next languages asked over HTTP only:
            # a role's permissions do not depend on the language, and its refusal page is checked in each).
            if route.path in refused and refusal_checked:
                status, _target = answer_of(visitor, route.path, problems, label)
                if status == 403:
                    forbidden += 1
                    continue
            status = check(visitor, route.path, label, problems, skip=refusal_checked)
            if status == 403:
                forbidden += 1
                refusal_checked = frozenset({403})
                refused.add(route.path)
            else:
                allowed += 1
    visitor.close()
    with capsys.disabled():
        print(f"\naxe {role.value}: {allowed} page views checked, {forbidden} refused with 403 (checked too)")
    assert not problems, "\n".join(problems)


def test_axe_high_contrast_and_largest_text(browser, live_server):
    """The display variants every page offers must pass too (7:1 contrast is checked in test_theme)."""
    routes, _ = html_get_routes(live_server.app)
    problems: list[str] = []
    for display in ("21", "20"):  # A++ with high contrast, A++ without
        visitor = Visitor(browser, live_server.url)
        visitor.set_cookie("linli_display", display)
        sent_to: set[str] = set()
        for route in routes:
            if route.is_staff:
                continue
            if may_be_sent_on(route, "anonymous"):
                check_unless_sent_to_checked(visitor, route, f"[display {display}]", problems, sent_to)
            else:
                check(visitor, route.path, f"[display {display}]", problems)
        visitor.close()
    assert not problems, "\n".join(problems)


def test_the_checks_can_fail(browser, live_server):
    """A canary: the same harness reports known violations, so a green run means something."""
    visitor = Visitor(browser, live_server.url)
    visitor.goto("/")
    visitor.page.evaluate(
        """() => {
            const img = document.createElement('img'); img.src = '/static/icons/linli.svg';
            document.querySelector('main').appendChild(img);
            const p = document.createElement('p'); p.textContent = 'grey on white';
            p.style.color = '#777';  // CSSOM is allowed by our CSP; a style attribute in HTML is not
            document.querySelector('main').appendChild(p);
        }"""
    )
    found = " ".join(violations(visitor))
    assert "image-alt" in found
    assert "color-contrast" in found
