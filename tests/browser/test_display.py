"""The lobby display keeps showing its last content when the network drops.

A server of its own (so that stopping it harms no other test): open the display once, let the service worker
and the page fill the cache, take the server away, reload: the same notices are on screen. Also: slides
rotate one at a time, and nothing on the page can be tapped.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from tests.browser.conftest import Visitor, wait_until
from tests.conftest import DEMO_PASSWORD, DEMO_PIN, TEST_KEY, VAULT, seed_day
from webapp import create_app, migrations
from webapp.content.demo import seed_demo
from webapp.domain.life.notices import save_notice
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra import clock
from webapp.infra.db import make_engine


class Unplug:
    """WSGI middleware: once unplugged, every request fails as a dead upstream does (503)."""

    def __init__(self, app) -> None:
        self.app = app
        self.unplugged = False

    def __call__(self, environ, start_response):
        if self.unplugged:
            return Response("gone", status=503)(environ, start_response)
        return self.app(environ, start_response)


@pytest.fixture
def display_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'display.db'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    with Session(engine) as session:
        demo = seed_demo(session, DEMO_PASSWORD, seed_day(), VAULT, DEMO_PIN)
        values = {
            "titles": {"zh_Hans": "电梯年检", "en": "Lift inspection today"},
            "bodies": {"en": "The lift in Building 1 stops for an hour."},
            "summaries": {"en": "Lift stops for an hour."},
            "urgent": True,
            "starts_at": clock.now() - timedelta(hours=1),
            "ends_at": None,
            "building_ids": [],
            "groups": [],
        }
        save_notice(session, SYSTEM, demo.community.id, None, values)
        session.commit()
    engine.dispose()
    app = create_app(
        {"database_url": url, "instance_path": tmp_path / "instance", "encryption_key": TEST_KEY}
    )
    plug = Unplug(app)
    server = make_server("localhost", 0, plug, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, plug, f"http://localhost:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_display_renders_offline_after_one_visit(browser, display_server):
    server, plug, base = display_server
    visitor = Visitor(browser, base, 1920, 1080, paired=False, service_worker=True)
    visitor.set_locale("en")
    page = visitor.page
    page.goto(f"{base}/display/guihua", wait_until="load")
    heading = page.locator("h1").inner_text()
    online = page.locator("main section").all_inner_texts()  # notices and activities (not the ticking clock)
    assert "Osmanthus" in heading
    assert any("Lift stops for an hour." in text for text in online)
    wait_until(page, "document.documentElement.getAttribute('data-cached') === '1'", timeout=15)

    plug.unplugged = True  # connections still open answer 503 ...
    server.shutdown()  # ... and new ones are refused
    server.server_close()
    page.reload(wait_until="load")
    assert page.locator("h1").inner_text() == heading
    assert page.locator("main section").all_inner_texts() == online
    assert "gone" not in page.content()
    assert (
        page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 32
    )  # display.css


def test_display_rotates_one_slide_at_a_time_refreshes_and_has_nothing_to_tap(browser, display_server):
    _server, _plug, base = display_server
    visitor = Visitor(browser, base, 1920, 1080, paired=False, service_worker=True)
    visitor.set_locale("en")
    page = visitor.page
    page.clock.install()
    page.goto(f"{base}/display/guihua", wait_until="load")
    slides = page.locator("[data-slide]")
    kinds = slides.locator(".slide-kind").all_text_contents()
    assert any("Notice" in k for k in kinds)  # notices, upcoming events and classes, one slide each
    assert any("Class" in k for k in kinds), kinds
    assert len(kinds) >= 3
    visible = "[data-slide]:not([hidden])"
    assert page.locator(visible).count() == 1
    first = page.locator(visible).inner_text()
    page.clock.run_for(12_000)  # the next slide after 12 s, still one at a time
    assert page.locator(visible).count() == 1
    assert page.locator(visible).inner_text() != first
    assert page.locator("main a, main button, main input, main select, main textarea").count() == 0
    # Every five minutes a fresh page, fetched first so that a failed fetch keeps what is on screen.
    with page.expect_navigation(wait_until="load"):
        page.clock.run_for(300_000)
    assert page.locator(visible).count() == 1
