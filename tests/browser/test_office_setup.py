"""An office sets Linli up without the demo (issue 16, the acceptance walk): `flask setup` on an empty
database, sign in as that administrator, add a second community and its buildings from one description,
invite a worker, who opens the link in a fresh browser, sets a password, signs in and sees only that
community. The new pages pass axe in all three locales on the way."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import Visitor
from tests.browser.test_accessibility import violations
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
    office.page.click("text=刘芳")
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
