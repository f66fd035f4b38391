"""Every page issue 18 added (help calls, the duty roster, emergency contacts, the daily check-in, family
accounts) in all three locales: the theme's minimum sizes (and the kiosk's 7:1 contrast), the page-weight
budget and axe, each page seen by the person it is for, with its real content (the kiosk's contacts and
family pages behind the resident's PIN, a help call that was really raised, the demo's family link).

The routes come from tests/browser/routes.py (the URL map with the demo's parameters), so a page of these
endpoints that moves is still checked, and an endpoint that disappears fails here. The kiosk's own help call
screen (/kiosk/help/call/<id>, only for the browser that raised it) is checked in test_help_call.py, waiting
and acknowledged."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.browser.conftest import DEMO_PIN, LiveServer, Visitor
from tests.browser.routes import Route, html_get_routes
from tests.browser.test_accessibility import violations
from tests.browser.test_page_weight import FIRST_HTML_BUDGET, TOTAL_BUDGET, weigh
from tests.browser.test_theme import MINIMUMS, VIEWPORTS, measure
from tests.conftest import VAULT
from webapp.config import LOCALES
from webapp.domain.privacy.audit import Actor
from webapp.domain.safety import calls
from webapp.infra.db import database
from webapp.models import Community, Resident

# Endpoint -> who sees it (the console's staff, the resident's phone, a family member's phone, anyone's phone,
# the kiosk with a resident's visit, the kiosk between visits).
ISSUE_18 = {
    "staff.duty_roster": "staff",
    "staff.help_calls": "staff",
    "staff.resident_contacts": "staff",
    "staff.resident_checkin_plan": "staff",
    "staff.resident_detail": "staff",  # its emergency contacts, daily check-in and family links
    "resident.my_help": "resident",
    "resident.my_help_call": "resident",
    "resident.my_contacts": "resident",
    "resident.my_checkin_plan": "resident",
    "resident.help_ack": "anonymous",
    "resident.family_link": "anonymous",
    "resident.family_sign_in": "anonymous",
    "resident.family_code": "anonymous",
    "resident.family_home": "family",
    "resident.family_resident": "family",
    "resident.family_checkins": "family",
    "resident.family_tickets": "family",
    "resident.family_report": "family",
    "resident.family_bookings": "family",
    "kiosk.attract": "kiosk",  # the help button without a card
    "kiosk.home": "kiosk visit",  # the help tile
    "kiosk.help": "kiosk visit",
    "kiosk.contacts": "kiosk visit",
    "kiosk.family": "kiosk visit",
    "kiosk.family_new": "kiosk visit",
}


def raise_a_call(live_server: LiveServer) -> tuple[int, str]:
    """The sample resident calls for help from her phone (the alert goes to the demo's roster): its id and
    acknowledge link, so the call's pages show a real call."""
    with Session(database(live_server.app).engine) as session:  # type: ignore[arg-type]
        resident = session.get(Resident, live_server.app.config["LINLI_DEMO_IDS"]["resident"])
        assert resident is not None
        community = session.get(Community, resident.community_id)
        assert community is not None
        call = calls.raise_call(
            session,
            VAULT,
            Actor(type="resident", id=resident.id),
            community,
            "phone",
            live_server.url,
            resident=resident,
        )
        session.commit()
        return call.id, calls.ack_path(VAULT, call.id)


def pages_of_issue_18(live_server: LiveServer) -> dict[str, list[Route]]:
    """Audience -> the routes of issue 18 it sees, the help call's with a real call."""
    call_id, ack = raise_a_call(live_server)
    routes, _ = html_get_routes(live_server.app)
    found: dict[str, list[Route]] = {}
    for route in routes:
        audience = ISSUE_18.get(route.endpoint)
        if audience is None:
            continue
        if route.endpoint == "resident.my_help_call":
            route = Route(route.endpoint, f"/me/help/{call_id}")
        elif route.endpoint == "resident.help_ack":
            route = Route(route.endpoint, ack)
        found.setdefault(audience, []).append(route)
    missing = set(ISSUE_18) - {r.endpoint for rs in found.values() for r in rs}
    assert not missing, f"endpoints of issue 18 not in the URL map any more: {sorted(missing)}"
    return found


def check(visitor: Visitor, path: str, theme: str, label: str, problems: list[str], lines: list[str]) -> None:
    """Weigh the page from an empty cache (its CSS and scripts counted), past the PIN if it asks for it, then
    measure it and run axe on it."""
    visitor.page.close()
    visitor.page = visitor.context.new_page()
    visitor.context.new_cdp_session(visitor.page).send("Network.setCacheDisabled", {"cacheDisabled": True})
    total, first_html, by_type = weigh(visitor, path)
    if visitor.page.locator("#pin").count():  # the kiosk's contacts and family: the resident's PIN first
        visitor.page.fill("#pin", DEMO_PIN)
        visitor.tap(visitor.page.locator("form:has(#pin) button[type=submit]").first)
        assert not visitor.page.locator("#pin").count(), f"{label} {path}: the PIN was not accepted"
        total, first_html, by_type = weigh(visitor, path)
    lines.append(
        f"{label} {path} -> {visitor.page.url.removeprefix(visitor.base)}: {total} B, {first_html} gz"
    )
    if total > TOTAL_BUDGET or first_html > FIRST_HTML_BUDGET:
        problems.append(f"{label} {path}: {total} bytes, first HTML {first_html} gzipped ({by_type})")
    font, target = MINIMUMS[theme]
    problems += [
        f"{label} {path}: {p}" for p in measure(visitor, font, target, 7.0 if theme == "kiosk" else None)
    ]
    problems += [f"{label} {path}: axe {v}" for v in violations(visitor)]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_pages_of_issue_18_meet_the_size_weight_and_axe_checks(browser, live_server, locale, capsys):
    problems: list[str] = []
    lines: list[str] = []
    for audience, routes in pages_of_issue_18(live_server).items():
        theme = "kiosk" if audience.startswith("kiosk") else "phone"
        width, height = VIEWPORTS[theme]
        visitor = Visitor(browser, live_server.url, width=width, height=height, paired=theme == "kiosk")
        visitor.set_locale(locale)
        if audience == "staff":
            visitor.sign_in("admin")
        elif audience == "resident":
            visitor.sign_in_resident(live_server.card_token)
        elif audience == "family":
            visitor.sign_in_family(live_server.app)
        elif audience == "kiosk visit":
            visitor.start_kiosk_visit(live_server.card_token)
        for route in routes:
            check(visitor, route.path, theme, f"[{audience} {locale}]", problems, lines)
        visitor.close()
    with capsys.disabled():
        print(f"\nissue 18's pages in {locale}:\n" + "\n".join(lines))
    assert not problems, "\n".join(problems)
