"""Browser fixtures: a live Linli on a demo database, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from tests.conftest import DEMO_PASSWORD, DEMO_PIN, TEST_KEY, VAULT, copy_database, seed_day
from webapp import create_app, migrations
from webapp.content.demo import seed_demo
from webapp.domain.kiosk.devices import pair
from webapp.infra.db import database, make_engine
from webapp.models import ServiceType, StaffUser

CHROMIUM = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip browser tests only where Chromium is absent or a CI pass leaves them to the other pass."""
    here = Path(__file__).parent
    browser_items = [i for i in items if Path(str(i.fspath)).is_relative_to(here)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    reason = None
    if os.environ.get("LINLI_BROWSER_TESTS") == "0":
        reason = (
            "browser tests disabled for this pass (LINLI_BROWSER_TESTS=0); CI runs them in the SQLite pass"
        )
    elif not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            raise pytest.UsageError(
                f"CI=true but Chromium is missing at {CHROMIUM}: browser tests must run in CI"
            )
        reason = f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium)"
    if reason:
        for item in browser_items:
            item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class LiveServer:
    url: str
    app: object
    card_token: str
    resident_name: str
    kiosk_token: str


@dataclass(frozen=True)
class SeededDatabase:
    """A demo database seeded once per run; each test module serves a copy of its file."""

    path: Path
    card_token: str
    resident_name: str
    kiosk_token: str
    ids: dict[str, int]


FAMILY_PHONE = "13800138000"  # the sample resident's daughter, linked with every scope


def seed_family_link(session: Session, resident: object) -> int:
    """A family member (亲情账号) linked to the sample resident, so the family pages are checked like any page."""
    from webapp.domain.family import links
    from webapp.domain.family.members import member_for_phone
    from webapp.domain.privacy.audit import SYSTEM
    from webapp.models import FamilyRelation, FamilyScope

    link, _token = links.create_link(
        session,
        SYSTEM,
        resident,
        FamilyRelation.DAUGHTER,
        [s.value for s in FamilyScope],
        "cli",  # type: ignore[arg-type]
    )
    member = member_for_phone(session, VAULT, FAMILY_PHONE)
    assert member is not None
    links.claim_link(session, link.id, member, "cli")
    return link.id


def deliver_outbox(app: object) -> None:
    """What the worker does, once: send every message waiting in the live server's outbox."""
    from datetime import timedelta

    from webapp.jobs.tasks import deliver_one
    from webapp.models import OutboxMessage

    with Session(database(app).engine) as s:  # type: ignore[arg-type]
        ids = list(s.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "pending")))
    for message_id in ids:
        deliver_one(app, message_id, timedelta(seconds=30))  # type: ignore[arg-type]


def texts_sent(app: object) -> list[dict[str, object]]:
    """The SMS the demo's development channel wrote (one JSON line each) in the live server's instance folder."""
    import json

    path = Path(app.instance_path) / "sms-outbox.jsonl"  # type: ignore[attr-defined]
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def code_sent_to(app: object, phone: str) -> str:
    """The newest family sign-in code that reached *phone*, after the worker's delivery."""
    deliver_outbox(app)
    texts = [t for t in texts_sent(app) if t["to"] == phone]
    assert texts, f"no SMS reached {phone}"
    found = re.search(r"(?<!\d)(\d{6})(?!\d)", str(texts[-1]["text"]))
    assert found, texts[-1]
    return found.group(1)


def seed_for_the_day(folder: Path, day: date) -> SeededDatabase:
    """Migrations and the demo seed of *day* (seconds of argon2 and inserts); modules copy the file in
    milliseconds."""
    path = folder / "seeded.db"
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    with Session(engine) as session:
        demo = seed_demo(session, DEMO_PASSWORD, day, VAULT, DEMO_PIN)
        session.commit()
        assert demo.sample_card is not None
        assert demo.sample_resident is not None
        token, name = demo.sample_card.token, demo.sample_resident.name
        ids = {
            "resident": demo.sample_resident.id,
            "building": demo.community.buildings[0].id,
            "household": demo.community.buildings[0].households[0].id,
            "health_check": session.scalar(select(ServiceType.id).where(ServiceType.code == "health-check")),
            "community": demo.community.id,
            "staff_user": session.scalar(select(StaffUser.id).where(StaffUser.username == "worker")),
        }
        _kiosk, kiosk_token = pair(session, demo.kiosk_code or "")
        ids["family_link"] = seed_family_link(session, demo.sample_resident)
        session.commit()
    engine.dispose()
    return SeededDatabase(path, token, name, kiosk_token, ids)


_SEEDED: dict[date, SeededDatabase] = {}


def seeded_today(tmp_path_factory: pytest.TempPathFactory) -> SeededDatabase:
    """The demo seeded for today in Shanghai, once a day of the run. The browser suite takes about 25 minutes,
    and a run that passed midnight there served every later module yesterday's demo: no class today, times
    on the wrong day. A module that starts on a new day gets a demo of that day."""
    day = seed_day()
    if day not in _SEEDED:
        _SEEDED[day] = seed_for_the_day(tmp_path_factory.mktemp(f"seeded-{day.isoformat()}"), day)
    return _SEEDED[day]


@pytest.fixture(scope="module")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> SeededDatabase:
    return seeded_today(tmp_path_factory)


@pytest.fixture(scope="module")
def live_server(
    seeded_database: SeededDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A real HTTP server in a thread over this test module's own copy of the demo database, like `make demo`:
    what one module writes (tickets, bookings, device states) no other module sees."""
    folder = tmp_path_factory.mktemp("live")
    copy_database(seeded_database.path, folder / "live.db")
    url = f"sqlite:///{folder / 'live.db'}"
    app = create_app({"database_url": url, "instance_path": folder / "instance", "encryption_key": TEST_KEY})
    app.config["LINLI_DEMO_IDS"] = dict(seeded_database.ids)
    # "localhost", not 127.0.0.1: WebAuthn needs a host name as its relying-party id.
    server = make_server("localhost", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # Browsers in these tests are the lobby kiosk unless a test says otherwise: they carry its device cookie.
    Visitor.kiosk_token = seeded_database.kiosk_token
    yield LiveServer(
        url=f"http://localhost:{server.server_port}",
        app=app,
        card_token=seeded_database.card_token,
        resident_name=seeded_database.resident_name,
        kiosk_token=seeded_database.kiosk_token,
    )
    server.shutdown()
    server.server_close()
    database(app).engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def ask(page: object, expression: str, timeout: float = 10.0) -> object:
    """Evaluate a JavaScript expression in the page (a promise is awaited) within a time limit.

    page.evaluate has no time limit of its own, and some promises cannot settle while a service worker switches
    over (CacheStorage, serviceWorker.ready when an install fails): a CI run hung for an hour on one. The race
    runs inside the page; the answer is wrapped so that a falsy value is not mistaken for the time running out.
    """
    bounded = (
        f"Promise.race([Promise.resolve({expression}).then(v => ({{v}})), "
        f"new Promise(r => setTimeout(() => r(null), {int(timeout * 1000)}))])"
    )
    answer = page.evaluate(bounded)  # type: ignore[attr-defined]
    if answer is None:
        raise AssertionError(f"no answer within {timeout} s: {expression}")
    return answer.get("v")


def wait_until(page: object, expression: str, timeout: float = 30.0) -> object:
    """Poll a JavaScript expression (promises are awaited) until it is truthy (30 s by default: a loaded CI
    machine's service worker can take many seconds to cache; a test that passes does not wait for it).

    Playwright's own wait_for_function evaluates string predicates with eval inside the page after its first
    try, which our Content-Security-Policy (no 'unsafe-eval') refuses, so a wait that is not true at once fails
    with an EvalError. page.evaluate goes through the DevTools protocol, which the policy does not govern.
    """
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = ask(page, expression, timeout=2.0)  # each try gives up after 2 s, then asks again
        except AssertionError:
            value = None
        except Error as exc:  # the page is navigating ("Execution context was destroyed"): ask again
            if "context" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.1)


# The kinds of request whose 4xx a page answers in words (a page, a form's answer, the page's own fetch/beacon
# calls): a refusal of one of these is a page the test asked for. Any other resource failing is an error.
PAGE_LOADS = frozenset({"document", "fetch", "xhr", "ping", "eventsource"})

# Console errors a page may log by design, each with its reason. Anything else (a script error, a refused
# connection, a Content-Security-Policy violation, a 5xx) fails the test that saw it.
EXPECTED_CONSOLE_ERRORS = [
    # A 4xx the page asked for and answers in words: a refused card, a form with an error, a page the test
    # opens to see its refusal (403/404), a throttled PIN. Only documents and fetches may be refused: every other
    # resource answering 4xx or 5xx is an error of its own (Visitor.watch, PAGE_LOADS).
    re.compile(r"Failed to load resource: the server responded with a status of 4\d\d"),
    # A test that takes the device offline: the service worker tries the network first, which fails, then it
    # answers from what it kept (the page the person sees is the point of those tests).
    re.compile(r"Failed to load resource: net::ERR_INTERNET_DISCONNECTED"),
]

# Every page reports the policy's refusals to the test (Chromium's console line for them is not always
# delivered to Playwright, and a refusal in a worker or of an inline style would pass unseen otherwise).
CSP_WATCH = """document.addEventListener("securitypolicyviolation", (e) => {
  if (window.__linliCspViolation) window.__linliCspViolation(
    e.violatedDirective + " refused " + (e.blockedURI || "inline") + " (" + (e.sourceFile || "") + ":" + e.lineNumber + ")");
}, true);"""

# The read-aloud player is playing (not paused, its time moving): what a person hears, not a request that was sent.
PLAYING = (
    "(() => { const a = document.querySelector('audio[data-speech]');"
    " return !!a && !a.paused && a.currentTime > 0.15; })()"
)


class Visitor:
    """One browser context: cookies for locale and display, and staff sign-in through the real form.

    Every console error, uncaught page error and CSP violation of its pages is collected; close() fails on
    any that EXPECTED_CONSOLE_ERRORS does not explain (a silent read-aloud was once a CSP refusal in the log).
    Every Visitor a test opens is closed by the `visitors_closed` fixture when the test ends, passed or failed:
    a test closes one by hand only to end it early (and to check its pages at that point).
    """

    kiosk_token: str | None = None
    opened: ClassVar[list[Visitor]] = []

    def __init__(
        self,
        browser: object,
        base: str,
        width: int = 360,
        height: int = 740,
        paired: bool = True,
        service_worker: bool = False,
        context: object | None = None,
        **options: object,
    ) -> None:
        """Without the service worker unless a test is about it (the PWA tests, offline lessons, the kiosk's
        scans, which race the worker's own fetches, and its idle reset): fewer moving parts elsewhere.
        `context` adopts one the test made itself (a persistent profile); `options` go to new_context."""
        self.base = base
        self.closed = False
        self.context = context or browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height},
            service_workers="allow" if service_worker else "block",
            **options,
        )
        Visitor.opened.append(self)
        self.errors: list[str] = []
        self.context.expose_binding("__linliCspViolation", self.csp_violation)
        self.context.add_init_script(CSP_WATCH)
        self.context.on("page", self.watch)
        for page in self.context.pages:
            self.watch(page)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        if paired and self.kiosk_token:
            self.set_cookie("linli_kiosk", self.kiosk_token)

    def csp_violation(self, source: dict[str, object], text: str) -> None:
        self.errors.append(f"CSP violation: {text} at {source['page'].url}")  # type: ignore[attr-defined]

    def watch(self, page: object) -> None:
        def on_console(message: object) -> None:
            if message.type == "error" and not any(  # type: ignore[attr-defined]
                p.search(message.text)
                for p in EXPECTED_CONSOLE_ERRORS  # type: ignore[attr-defined]
            ):
                self.errors.append(f"console: {message.text} at {page.url}")  # type: ignore[attr-defined]

        def on_response(response: object) -> None:
            # The console line for a 4xx names no kind of resource: a refused page or fetch is expected (see
            # EXPECTED_CONSOLE_ERRORS), a script, stylesheet, image, font or manifest that fails never is.
            kind = response.request.resource_type  # type: ignore[attr-defined]
            if response.status >= 400 and kind not in PAGE_LOADS:  # type: ignore[attr-defined]
                self.errors.append(f"{kind} answered {response.status}: {response.url} at {page.url}")  # type: ignore[attr-defined]

        page.on("console", on_console)  # type: ignore[attr-defined]
        page.on("response", on_response)  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc} at {page.url}"))  # type: ignore[attr-defined]

    def assert_no_errors(self) -> None:
        errors, self.errors = getattr(self, "errors", []), []
        assert not errors, "the pages logged errors:\n" + "\n".join(errors)

    def set_cookie(self, name: str, value: str) -> None:
        self.context.add_cookies([{"name": name, "value": value, "url": self.base}])

    def set_locale(self, locale: str) -> None:
        self.set_cookie("linli_locale", locale)

    def goto(self, path: str) -> object:
        return self.page.goto(self.base + path, wait_until="load")

    def tap(self, target: str | object, timeout: float = 30_000) -> None:
        """Tap a link or a form's button and wait until the page it leads to has loaded.

        Playwright's click returns once the tap is dispatched, and a form's POST starts a moment later: a
        count, a URL or an axe run straight after it may read the page still on screen (CI did, on a busy
        machine). Same-address answers (a refused form, a PIN, a confirm screen) are caught too, which a
        wait for the URL would not be."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.page.expect_navigation(wait_until="load", timeout=timeout):
            locator.click()  # type: ignore[attr-defined]

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/staff/sign-in")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("form:not(.display-controls) button[type=submit]")
        self.page.wait_for_url(self.base + "/staff/")

    def sign_in_resident(self, token: str, pin: str = DEMO_PIN) -> None:
        """Open the card link as a phone camera would, then type the PIN."""
        self.goto(f"/c/{token}")
        self.page.fill("#pin", pin)
        self.page.click("form:not(.display-controls) button[type=submit]")
        # argon2id is deliberately slow; on a loaded two-core machine allow it a minute.
        self.page.wait_for_url(self.base + "/me", timeout=60000)

    def sign_in_family(self, app: object, phone: str = FAMILY_PHONE) -> None:
        """A family member on their own phone: their number, then the code the SMS brought."""
        self.goto("/family/sign-in")
        self.page.fill("#phone", phone)
        self.page.click("form:not(.display-controls) button[type=submit]")
        self.page.wait_for_url(self.base + "/family/code")
        self.page.fill("#code", code_sent_to(app, phone))
        self.page.click("form:not(.display-controls) button[type=submit]")
        self.page.wait_for_url(self.base + "/family")

    def start_kiosk_visit(self, token: str) -> None:
        """Scan a resident's card at the kiosk's attract screen and wait for their home."""
        self.goto("/kiosk/")
        self.scan_card(f"http://127.0.0.1:5000/c/{token}")

    def scan_card(
        self,
        text: str,
        until: Callable[[float], object] | None = None,
        attempts: int = 3,
        keys_only: bool = False,
    ) -> None:
        """Scan *text* as a keyboard-wedge scanner types it (a fast burst and Enter), then wait *until* the
        page shows the outcome (by default the resident's home); *until* takes a timeout in milliseconds.

        On a loaded machine (two test processes and their browsers on two cores) the driver's keys can arrive
        with a pause no real scanner makes; the page then takes the burst for typing, as it should, and nothing
        happens (CI 2026-12-06, twice in 1,177 tests). Then the card is scanned again, as a person would.
        Unless *keys_only* (a test of the keyboard scan itself), the last try hands the scan over as the hardware
        bridge does for a serial or evdev scanner (`linliKioskScan`), which no pause between keys can spoil: a
        run of the suite in three processes on two cores lost all three keyboard bursts of one test."""
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        def home(timeout: float) -> object:
            return self.page.wait_for_url(self.base + "/kiosk/home", timeout=timeout)

        def bridge() -> bool:
            """Hand the scan to the bridge's entry, if the page has it; a page already on its way elsewhere
            (the last burst was taken after all) counts as handed: its outcome is awaited, not a new scan."""
            try:
                return bool(
                    self.page.evaluate(
                        "text => typeof window.linliKioskScan === 'function' && (window.linliKioskScan(text), true)",
                        text,
                    )
                )
            except PlaywrightError:  # "Execution context was destroyed": a navigation under way
                return True

        for attempt in range(1, attempts + 1):
            bridged = not keys_only and attempt == attempts > 1 and bridge()
            if not bridged:
                self.page.keyboard.type(text, delay=5)
                self.page.keyboard.press("Enter")
            try:
                (until or home)(10000 if attempt < attempts else 30000)
                return
            except PlaywrightTimeout:
                if attempt == attempts:
                    raise

    def shut(self) -> None:
        """Close the context (once); what its pages logged still counts at close()."""
        if not self.closed:
            self.closed = True
            self.context.close()

    def close(self) -> None:
        """Close the context, then fail on anything its pages logged."""
        self.shut()
        if self in Visitor.opened:
            Visitor.opened.remove(self)
        self.assert_no_errors()


@pytest.fixture(autouse=True)
def visitors_closed() -> Iterator[None]:
    """Every browser context a test opened is closed when it ends, also when it failed halfway (a leaked
    context keeps its pages, service worker and timers running into the next test); then their errors count."""
    Visitor.opened.clear()
    yield
    errors: list[str] = []
    while Visitor.opened:
        visitor = Visitor.opened[-1]
        try:
            visitor.close()
        except AssertionError as exc:
            errors.append(str(exc))
    assert not errors, "\n".join(errors)


@pytest.fixture
def visitor(browser: object, live_server: LiveServer) -> Visitor:
    return Visitor(browser, live_server.url)
