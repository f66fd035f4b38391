"""An office sets Linli up without the demo (issue 16, the acceptance walk): `flask setup` on an empty
database, sign in as that administrator, add a second community and its buildings from one description,
invite a worker, who opens the link in a fresh browser, sets a password, signs in and sees only that
community. The new pages pass axe in all three locales on the way."""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import Callable, Iterator

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import Visitor
from tests.browser.test_accessibility import violations
from tests.browser.test_page_weight import COUNTED, FIRST_HTML_BUDGET, TOTAL_BUDGET
from tests.browser.test_theme import MINIMUMS, VIEWPORTS, measure
from tests.conftest import TEST_KEY
from webapp import create_app
from webapp.config import LOCALES

PASSWORD = "an-office-password-2026"
WORKER_PASSWORD = "a-worker-password-2026"


@pytest.fixture(scope="module")
def office_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("office")
    app = create_app(
        {
            "database_url": f"sqlite:///{folder / 'office.db'}",
            "instance_path": folder,
            "encryption_key": TEST_KEY,
        }
    )
    result = app.test_cli_runner().invoke(
        args=["setup", "--region", "翠苑街道", "--community", "梅花社区", "--admin-username", "office"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    server = make_server("localhost", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()


def axe_in_every_locale(visitor: Visitor, path: str, problems: list[str]) -> None:
    for locale in LOCALES:
        visitor.set_locale(locale)
        response = visitor.goto(path)
        assert response is not None
        assert response.status < 500, f"{path}: {response.status}"
        problems += [f"[{locale}] {path}: {v}" for v in violations(visitor)]
    visitor.set_locale(LOCALES[0])


def test_an_office_sets_up_and_invites_a_worker(browser, office_server):
    problems: list[str] = []
    office = Visitor(browser, office_server, width=1280, height=900, paired=False)
    office.sign_in("office", PASSWORD)

    # A second community under the same street office.
    axe_in_every_locale(office, "/staff/communities", problems)
    office.goto("/staff/communities")
    office.page.fill("#name", "兰花社区")
    office.page.fill("#address", "兰花路 1 号")
    office.page.click("form[action$='#new'] button[type=submit]")
    office.page.wait_for_url(re.compile(r"/staff/communities/\d+(#\w+)?$"))  # the form's #new stays on
    community_path = office.page.url.removeprefix(office_server).split("#")[0]
    community_id = community_path.rsplit("/", 1)[1]
    axe_in_every_locale(office, community_path, problems)

    # Its buildings from one description: preview, then create.
    office.goto(f"/staff/buildings/bulk?community={community_id}")
    office.page.fill("#description", "幢 1–3, 每幢 2 个单元, 6 层, 每层 2 户\n3 幢: 1 个单元")
    office.page.click("button[value=preview]")
    assert "3 幢楼，共 60 户" in office.page.inner_text("table caption")
    problems += [f"[preview] {v}" for v in violations(office)]
    office.page.click("button[value=create]")
    office.page.wait_for_url(re.compile(r"/staff/buildings\?community="))
    assert "3幢" in office.page.inner_text("main")

    # An invitation for a worker of the new community.
    axe_in_every_locale(office, "/staff/accounts", problems)
    office.goto("/staff/accounts")
    office.page.fill("#display_name", "刘芳")
    office.page.select_option("#community_id", label="兰花社区")
    office.page.select_option("#role", value="community_worker")
    office.page.click("form[action$='#invite'] button[type=submit]")
    caption = office.page.inner_text("figcaption")
    assert office.page.locator("figure svg").count() == 1  # the QR
    problems += [f"[link page] {v}" for v in violations(office)]
    path = "/staff/invite/" + caption.rsplit("/staff/invite/", 1)[1].strip()

    # The worker, in a browser of their own.
    worker = Visitor(browser, office_server, paired=False)
    axe_in_every_locale(worker, path, problems)
    worker.goto(path)
    assert "兰花社区" in worker.page.inner_text("main")
    worker.page.fill("#username", "liu.fang")
    worker.page.fill("#password", WORKER_PASSWORD)
    worker.page.fill("#confirm", WORKER_PASSWORD)
    worker.page.click("form:not(.display-controls) button[type=submit]")
    worker.page.wait_for_url(re.compile(r"/staff/sign-in"))
    worker.sign_in("liu.fang", WORKER_PASSWORD)
    overview = worker.page.inner_text("main")
    assert "兰花社区" in overview
    assert "梅花社区" not in overview
    # The link worked once.
    again = worker.goto(path)
    assert again is not None
    assert again.status == 410

    # The administrator sees the new colleague and their last sign-in.
    office.goto("/staff/accounts")
    office.tap("text=刘芳")
    assert "liu.fang" in office.page.inner_text("main")
    axe_in_every_locale(office, office.page.url.removeprefix(office_server), problems)
    office.close()
    worker.close()
    assert not problems, "\n".join(problems)


def test_a_fresh_installation_says_how_to_set_up(browser, tmp_path):
    """Before `flask setup`: the console's address shows the steps, translated and accessible."""
    from webapp import migrations
    from webapp.infra.db import database

    app = create_app({"database_url": f"sqlite:///{tmp_path / 'empty.db'}", "instance_path": tmp_path})
    migrations.upgrade(database(app).engine)
    server = make_server("localhost", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    visitor = Visitor(browser, f"http://localhost:{server.server_port}", paired=False)
    problems: list[str] = []
    try:
        axe_in_every_locale(visitor, "/staff/", problems)
        assert "flask --app wsgi setup" in visitor.page.inner_text("main")
    finally:
        visitor.close()
        server.shutdown()
    assert not problems, "\n".join(problems)


def weigh_during(
    visitor: Visitor, act: Callable[[], object], before: Callable[[], object] | None = None
) -> tuple[int, int]:
    """What the browser loads while *act* runs (a page opened, or a form sent after *before* filled it):
    HTML + CSS + JS, and the first HTML response gzip-compressed, as test_page_weight.py counts them."""
    loaded: list = []
    visitor.page.close()  # a fresh page with the cache off: the first visit is what counts
    visitor.page = visitor.context.new_page()
    visitor.context.new_cdp_session(visitor.page).send("Network.setCacheDisabled", {"cacheDisabled": True})
    if before is not None:
        before()

    def handler(request: object) -> None:
        loaded.append(request)

    visitor.page.on("requestfinished", handler)
    act()
    visitor.page.wait_for_load_state("networkidle")
    visitor.page.remove_listener("requestfinished", handler)
    total, first_html = 0, 0
    for request in loaded:
        response = request.response()
        if response is None or request.resource_type not in COUNTED or 300 <= response.status < 400:
            continue
        body = response.body()
        total += len(body)
        if request.resource_type == "document" and not first_html:
            first_html = len(gzip.compress(body, 6))
    return total, first_html


def test_the_office_pages_keep_size_and_weight_in_every_language(browser, office_server):
    """The district administrator's pages (communities, a community, the buildings preview, a building and a
    flat as edited one by one) and the page an
    invited colleague opens (with a real link) at a phone's width: text and targets large enough at the
    normal and the largest size with high contrast, and within the page-weight budgets, in all three
    languages."""
    min_font, min_target = MINIMUMS["phone"]
    width, height = VIEWPORTS["phone"]
    office = Visitor(browser, office_server, width=width, height=height, paired=False)
    office.sign_in("office", PASSWORD)
    office.goto("/staff/communities")
    community = office.page.locator("main a[href^='/staff/communities/']").first.get_attribute("href")
    assert community is not None
    community_id = community.rsplit("/", 1)[1]
    # A small compound of its own, to measure a building's page and a flat's page (edited one by one).
    office.goto(f"/staff/buildings/bulk?community={community_id}")
    office.page.fill("#description", "幢 41–42, 每幢 1 个单元, 2 层, 每层 2 户")
    office.page.click("button[value=preview]")
    office.page.click("button[value=create]")
    office.page.wait_for_url(re.compile(r"/staff/buildings\?community="))
    building = office.page.locator("main a[href^='/staff/buildings/']", has_text="41").first.get_attribute(
        "href"
    )
    assert building is not None
    office.goto(building)
    flat = office.page.locator("main a[href^='/staff/households/']").first.get_attribute("href")
    assert flat is not None
    office.goto("/staff/accounts")
    office.page.fill("#display_name", "周敏")
    office.page.select_option("#role", value="community_worker")
    office.page.click("form[action$='#invite'] button[type=submit]")
    invite = "/staff/invite/" + office.page.inner_text("figcaption").rsplit("/staff/invite/", 1)[1].strip()
    invitee = Visitor(browser, office_server, width=width, height=height, paired=False)

    def describe() -> None:
        office.goto(f"/staff/buildings/bulk?community={community_id}")
        office.page.fill("#description", "幢 1–12, 每幢 3 个单元, 18 层, 每层 4 户\n7 幢: 2 个单元, 11 层")

    def preview() -> None:
        office.page.click("button[value=preview]")
        office.page.wait_for_selector("table caption")

    pages: list[tuple[Visitor, str, Callable[[], object], Callable[[], object] | None]] = [
        (office, "/staff/communities", lambda: office.goto("/staff/communities"), None),
        (office, community, lambda: office.goto(community), None),
        (office, "the buildings' preview", preview, describe),
        (office, "a building (rename, remove)", lambda: office.goto(building), None),
        (office, "a flat (correct, remove)", lambda: office.goto(flat), None),
        (invitee, "/staff/invite/<a real link>", lambda: invitee.goto(invite), None),
    ]
    problems: list[str] = []
    lines: list[str] = []
    for locale in LOCALES:
        for visitor in (office, invitee):
            visitor.set_locale(locale)
        for visitor, name, show, before in pages:
            total, first_html = weigh_during(visitor, show, before)
            lines.append(
                f"[{locale}] {name:<28} {total / 1024:5.1f} KB, first HTML {first_html / 1024:4.1f} KB gz"
            )
            if total > TOTAL_BUDGET:
                problems.append(f"[{locale}] {name}: {total} bytes of HTML+CSS+JS > {TOTAL_BUDGET}")
            if not 0 < first_html <= FIRST_HTML_BUDGET:
                problems.append(
                    f"[{locale}] {name}: first HTML {first_html} bytes gzip > {FIRST_HTML_BUDGET}"
                )
            for display, contrast in (("00", None), ("21", 7.0)):
                visitor.set_cookie("linli_display", display)
                if before is not None:
                    before()
                show()
                problems += [
                    f"[{locale}] {name} [{display}]: {p}"
                    for p in measure(visitor, min_font, min_target, contrast)
                ]
            visitor.set_cookie("linli_display", "00")
    print("\noffice pages:\n  " + "\n  ".join(lines))
    office.close()
    invitee.close()
    assert not problems, "\n".join(problems)
