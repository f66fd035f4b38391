"""The phone app offline and installed: service worker, offline pages, the outbox, updates, installability;
and the kiosk's offline screens. Each test would fail without the feature it names."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import func, select

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Visitor, ask, wait_until
from tests.browser.test_accessibility import violations
from tests.conftest import DEMO_PIN
from webapp.domain.identity.cards import issue_card
from webapp.domain.identity.pins import set_pin
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra.db import database
from webapp.models import CheckIn, Resident, Slot, Ticket
from webapp.resident import pwa

KIOSK = (1080, 1920)


def controlled(visitor: Visitor) -> None:
    """Wait until the service worker is active and controls the page (a second load may be needed)."""
    ask(visitor.page, "navigator.serviceWorker.ready.then(() => true)", timeout=30)
    if not ask(visitor.page, "!!navigator.serviceWorker.controller"):
        visitor.page.reload(wait_until="load")
    wait_until(visitor.page, "!!navigator.serviceWorker.controller")


# Asks the service worker to send the outbox and waits until that pass is over: what it would send, it has sent.
FLUSHED = """new Promise(ok => {
  navigator.serviceWorker.addEventListener('message', e => { if ((e.data || {}).outbox === 'idle') ok(true); });
  window.linliFlush(); })"""


# The same, answering the number of the page's look at its outbox that the worker's word began: the page's own
# listener (registered first) has begun it by then, and it ends when data-outbox-passes reaches that number.
FLUSHED_AT_PASS = """new Promise(ok => {
  navigator.serviceWorker.addEventListener('message', e => { if ((e.data || {}).outbox === 'idle')
    ok(+document.querySelector('[data-outbox-list]').dataset.outboxBegun); });
  window.linliFlush(); })"""


def ticket_count(live_server) -> int:
    with database(live_server.app).sessionmaker() as session:
        return session.scalar(select(func.count(Ticket.id))) or 0


def test_chromium_finds_the_app_installable(browser, live_server, tmp_path):
    # A profile on disk: Chromium never offers installation in an incognito context.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 740},
    )
    visitor = Visitor(browser, live_server.url, paired=False, context=context)
    visitor.set_locale("en")
    visitor.goto("/")
    controlled(visitor)
    cdp = visitor.context.new_cdp_session(visitor.page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    assert '"display": "standalone"' in manifest["data"] or '"display":"standalone"' in manifest["data"]
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    response = visitor.page.request.get(live_server.url + "/sw.js")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("application/javascript")


def test_after_one_visit_home_works_offline_and_personal_pages_do_not(browser, live_server):
    visitor = Visitor(browser, live_server.url, paired=False, service_worker=True)
    visitor.set_locale("en")
    visitor.sign_in_resident(live_server.card_token)
    visitor.goto("/")
    controlled(visitor)
    visitor.goto("/tickets")
    assert "B-0002" in visitor.page.content()
    visitor.context.set_offline(True)
    visitor.goto("/")
    assert visitor.page.locator("h1").first.inner_text().startswith("Welcome to")
    assert visitor.page.locator("[data-offline-banner]").is_visible()
    visitor.goto("/tickets")
    page = visitor.page.content()
    assert "You are offline" in page
    assert "B-0002" not in page  # nothing personal was kept
    assert live_server.resident_name not in page
    visitor.context.set_offline(False)


def test_a_ticket_sent_offline_is_kept_then_delivered_exactly_once(browser, live_server):
    visitor = Visitor(browser, live_server.url, paired=False, service_worker=True)
    visitor.set_locale("en")
    visitor.sign_in_resident(live_server.card_token)
    controlled(visitor)
    visitor.goto("/ask/repair-lift/1")
    visitor.page.get_by_role("button", name="No", exact=True).click()
    visitor.page.wait_for_url("**/ask/repair-lift/2")
    visitor.page.fill("#answer", "The lift in building 1 stops between floors")
    visitor.page.get_by_role("button", name="Next").click()
    visitor.page.wait_for_url("**/ask/repair-lift/review")
    before = ticket_count(live_server)
    visitor.context.set_offline(True)
    visitor.page.get_by_role("button", name="Send").click()
    visitor.page.wait_for_selector("[data-outbox-note]")
    assert "kept on this phone" in visitor.page.locator("[data-outbox-note]").inner_text()
    entry = visitor.page.locator("[data-outbox-entry]")
    entry.wait_for()
    assert "The lift is not working" in entry.inner_text()
    assert "The lift in building 1 stops between floors" in entry.inner_text()  # shown with its content
    assert violations(visitor) == []
    visitor.page.reload(wait_until="load")  # still offline: the offline page lists what waits
    visitor.page.locator("[data-outbox-entry]").wait_for()
    assert "Waiting to send" in visitor.page.content()
    assert violations(visitor) == []
    for locale in ("zh_Hans", "zh_Hant"):  # the offline page with its outbox list, in the other languages
        visitor.page.evaluate(f"navigator.serviceWorker.controller.postMessage({{locale: {locale!r}}})")
        visitor.page.reload(wait_until="load")
        visitor.page.locator("[data-outbox-entry]").wait_for()
        assert visitor.page.evaluate("document.documentElement.lang") == locale.replace("_", "-")
        assert violations(visitor) == [], locale
    assert ticket_count(live_server) == before
    visitor.context.set_offline(False)
    visitor.page.evaluate("window.dispatchEvent(new Event('online'))")
    # The entry leaves the list once the server has confirmed it (committed).
    wait_until(visitor.page, "!document.querySelector('[data-outbox-entry]')", timeout=15)
    assert ticket_count(live_server) == before + 1
    visitor.goto("/me")  # a later page load sends the outbox again: nothing is left to send twice
    assert ask(visitor.page, FLUSHED, timeout=15)
    assert ticket_count(live_server) == before + 1


@pytest.mark.timeout(240)
def test_a_new_version_is_picked_up_at_the_next_navigation(browser, live_server, monkeypatch):
    visitor = Visitor(browser, live_server.url, paired=False, service_worker=True)
    # The switch-over is watched through the DevTools protocol's ServiceWorker events, not by reading
    # CacheStorage meanwhile: a test polling caches.keys() while the worker switched over hung Chromium's
    # CacheStorage (and with it the navigation) for good, in CI and here. Caches are read once, afterwards.
    cdp = visitor.context.new_cdp_session(visitor.page)
    versions: dict[str, dict] = {}
    cdp.on(
        "ServiceWorker.workerVersionUpdated",
        lambda e: versions.update({v["versionId"]: v for v in e["versions"]}),
    )
    cdp.send("ServiceWorker.enable")

    def status(version_id: str) -> str:
        return versions.get(version_id, {}).get("status", "")

    def eventually(condition, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            visitor.page.wait_for_timeout(200)  # lets Playwright deliver the protocol's events
        return True

    visitor.goto("/")
    controlled(visitor)
    assert eventually(lambda: any(v["status"] == "activated" for v in versions.values()), 10)
    old = next(k for k, v in versions.items() if v["status"] == "activated")
    shells = "caches.keys().then(k => k.filter(n => n.startsWith('linli-shell-')))"
    first = ask(visitor.page, shells)
    assert len(first) == 1
    monkeypatch.setattr(pwa, "PHONE_ASSETS", [*pwa.PHONE_ASSETS, "icons/linli.svg"])  # a deploy
    visitor.goto(
        "/install"
    )  # the page load's update check finds the new worker, which installs beside the old
    assert eventually(lambda: any(k != old and v["status"] for k, v in versions.items()), 15), versions
    new = next(k for k in versions if k != old)
    # The next navigation: the new version takes over. Chromium activates it once the old worker has no event in
    # hand, which on a loaded machine can outlast one page load, so a person opening the app again (a new tab)
    # counts as the next visit too.
    for _attempt in range(3):
        try:
            visitor.page.goto(visitor.base + "/", wait_until="commit", timeout=15000)
        except PlaywrightError:
            visitor.page = visitor.context.new_page()
            continue
        if eventually(lambda: status(new) == "activated", 10):
            break
    assert status(new) == "activated", versions
    assert eventually(lambda: status(old) == "redundant", 10), versions
    page = visitor.context.new_page()
    page.goto(visitor.base + "/", wait_until="load", timeout=30000)
    assert ask(page, "navigator.serviceWorker.controller.state") == "activated"
    left = ask(page, shells)
    assert len(left) == 1
    assert left != first  # the old shell is gone, the new one serves


def test_kiosk_keeps_its_public_screens_offline_and_explains_personal_ones(browser, live_server):
    visitor = Visitor(browser, live_server.url, *KIOSK, service_worker=True)
    visitor.set_locale("en")
    visitor.goto("/kiosk/")
    controlled(visitor)
    visitor.goto("/kiosk/")
    visitor.context.set_offline(True)
    visitor.goto("/kiosk/")
    assert visitor.page.locator("[data-offline-banner]").is_visible()
    visitor.goto("/kiosk/tickets")
    page = visitor.page.content()
    assert "This needs the network" in page
    assert "0571-8888-0000" in page
    assert visitor.page.locator(".qr-large svg").count() == 1
    assert violations(visitor) == []
    outbox = ask(visitor.page, "indexedDB.databases().then(d => d.map(x => x.name))")
    assert "linli-outbox" not in outbox  # a shared device keeps no outbox
    visitor.context.set_offline(False)


def test_notices_directory_and_lessons_read_offline_after_one_visit_signed_in_or_not(browser, live_server):
    """Anonymous visitors get the stale-while-revalidate copies; for a signed-in resident those pages are
    no-store (they show the person's own state), so the worker keeps an anonymous copy beside them, fetched
    without cookies, and shows it offline: readable, and nothing of the person in it."""
    for signed_in in (False, True):
        visitor = Visitor(browser, live_server.url, paired=False, service_worker=True)
        visitor.set_locale("en")
        if signed_in:
            visitor.sign_in_resident(live_server.card_token)
        visitor.goto("/")
        controlled(visitor)
        visitor.goto("/directory")
        entry = visitor.page.locator("main a[href^='/directory/']").first.get_attribute("href")
        visitor.goto("/learn")
        lesson = visitor.page.locator("main a[href^='/learn/']").first.get_attribute("href")
        paths = ["/notices", "/directory", entry, lesson]
        online = {}
        for path in paths:
            visitor.goto(path)
            online[path] = visitor.page.locator("main").inner_text()
        stored = (
            "caches.open('linli-pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
        )
        wait_until(visitor.page, f"{stored}.then(p => {paths!r}.every(x => p.includes(x.split('?')[0])))")
        visitor.context.set_offline(True)
        for path in paths:
            visitor.goto(path)
            text = visitor.page.locator("main").inner_text()
            assert "You are offline" not in visitor.page.locator("h1").first.inner_text(), (signed_in, path)
            assert visitor.page.locator("h1").first.inner_text() in online[path], (signed_in, path)
            assert live_server.resident_name not in visitor.page.content(), (signed_in, path)
            if path == "/notices":
                assert text == online[path]  # every notice's own words, as read online
        visitor.context.set_offline(False)
        visitor.close()


def test_a_booking_that_became_full_while_offline_is_explained_and_sign_out_warns(browser, live_server):
    """The outbox delivers a booking made offline; the time filled up meanwhile: the server answers 409 and the
    phone says so plainly, keeps the entry until the resident removes it, and sends nothing twice. Signing out
    with an entry still waiting warns first and clears the stored pages."""
    visitor = Visitor(browser, live_server.url, paired=False, service_worker=True)
    visitor.set_locale("en")
    visitor.sign_in_resident(live_server.card_token)
    controlled(visitor)
    visitor.goto("/ask/health-check/1")
    visitor.page.locator(".day-choices a").first.click()  # days first, then that day's times
    choice = visitor.page.locator("button[name=answer]").first
    slot_id = int(choice.get_attribute("value"))
    choice.click()
    visitor.page.wait_for_url("**/ask/health-check/review")
    before = ticket_count(live_server)
    visitor.context.set_offline(True)
    visitor.page.get_by_role("button", name="Send").click()
    visitor.page.locator("[data-outbox-entry]").wait_for()
    with database(live_server.app).sessionmaker() as session:  # meanwhile the last places are taken
        slot = session.get(Slot, slot_id)
        places, slot.booked = slot.booked, slot.capacity
        session.commit()
    try:
        visitor.context.set_offline(False)
        visitor.page.evaluate("window.dispatchEvent(new Event('online'))")
        entry = visitor.page.locator("[data-outbox-entry]")
        entry.filter(has_text="Not sent").wait_for(timeout=15000)
        assert "this time has just been fully booked" in entry.inner_text()
        assert "choose another answer" in entry.inner_text()
        assert ticket_count(live_server) == before
        assert violations(visitor) == []
        visitor.goto("/me")  # a later page load does not send a refused entry again
        entry.filter(has_text="Not sent").wait_for()
        assert ask(visitor.page, FLUSHED, timeout=15)
        assert ticket_count(live_server) == before
        # Signing out with an entry still on the phone: a warning first; asked again, the stored pages go and
        # the entry stays for this resident's next sign-in here.
        stored = (
            "caches.open('linli-pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
        )
        visitor.goto("/directory")
        wait_until(visitor.page, f"{stored}.then(p => p.includes('/directory'))")
        visitor.goto("/me")
        sign_out = visitor.page.locator("form[data-sign-out] button[type=submit]")
        sign_out.click()
        warning = visitor.page.locator("[data-outbox-warning]")
        warning.wait_for()
        assert "still waiting to send" in warning.inner_text()
        assert visitor.page.url.endswith("/me")  # not signed out yet
        sign_out.click()
        visitor.page.wait_for_url(lambda url: not url.endswith("/me"))
        assert "/directory" not in ask(visitor.page, stored)  # what the phone kept while signed in is gone
        kept = """new Promise(ok => { const r = indexedDB.open('linli-outbox', 1);
             r.onsuccess = () => { const q = r.result.transaction('outbox').objectStore('outbox').count();
                                   q.onsuccess = () => ok(q.result); }; })"""
        assert ask(visitor.page, kept) == 1
        visitor.sign_in_resident(live_server.card_token)
        entry.filter(has_text="Not sent").wait_for()  # still explained, never sent
        # The service worker tries again and asks for a new rendering: the unchanged entry keeps its button, so
        # a tap cannot begin on one button and end on its replacement (lost: CI once waited 30 s for the removal).
        visitor.page.evaluate("document.querySelector('[data-outbox-entry] button').linliSame = true")
        look = ask(visitor.page, FLUSHED_AT_PASS, timeout=15)  # the look the worker's word began
        wait_until(
            visitor.page, f"+document.querySelector('[data-outbox-list]').dataset.outboxPasses >= {look}"
        )
        assert ask(visitor.page, "document.querySelector('[data-outbox-entry] button').linliSame === true")
        entry.get_by_role("button", name="Remove").click()
        entry.wait_for(state="detached")
        assert ask(visitor.page, kept) == 0
        assert ticket_count(live_server) == before
    finally:
        with database(live_server.app).sessionmaker() as session:
            session.get(Slot, slot_id).booked = places
            session.commit()


def test_stored_pages_are_bounded_in_number_and_age(browser, live_server, monkeypatch):
    """The worker keeps at most MAX_ENTRIES public pages (the oldest go first) and never shows one older than
    MAX_AGE_DAYS offline. Shrunk here to 3 pages and no age at all, through the rendered /sw.js."""
    monkeypatch.setattr(pwa, "MAX_ENTRIES", 3)
    visitor = Visitor(browser, live_server.url, paired=False, service_worker=True)
    visitor.set_locale("en")
    visitor.goto("/directory")
    controlled(visitor)
    entries = visitor.page.locator("main a[href^='/directory/']").evaluate_all(
        "a => a.map(x => x.getAttribute('href'))"
    )
    visited = ["/notices", "/learn", *entries[:3]]
    assert len(visited) == 5
    for path in visited:
        visitor.goto(path)
    stored = "caches.open('linli-pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
    wait_until(visitor.page, f"{stored}.then(p => p.includes({visited[-1]!r}))")
    kept = ask(visitor.page, stored)
    assert len(kept) == 3, kept
    assert set(kept) <= set(visited[-3:] + ["/", "/directory"]), kept  # the newest stay
    assert "/notices" not in kept
    visitor.close()

    monkeypatch.setattr(pwa, "MAX_AGE_DAYS", 0)  # every stored page is already too old
    visitor = Visitor(browser, live_server.url, paired=False, service_worker=True)
    visitor.set_locale("en")
    visitor.goto("/notices")
    controlled(visitor)
    visitor.goto("/notices")
    wait_until(visitor.page, f"{stored}.then(p => p.includes('/notices'))")
    visitor.context.set_offline(True)
    visitor.goto("/notices")
    assert "You are offline" in visitor.page.locator("h1").first.inner_text()  # not a stale copy
    visitor.context.set_offline(False)


OUTBOX_COUNT = """new Promise(ok => { const r = indexedDB.open('linli-outbox', 1);
     r.onsuccess = () => { const q = r.result.transaction('outbox').objectStore('outbox').count();
                           q.onsuccess = () => ok(q.result); }; })"""
# The page has drawn its outbox list (how many it shows), or shows at least one entry.
LISTED = (
    "(() => { const s = document.querySelector('[data-outbox-list][data-outbox-count]');"
    " return document.querySelector('[data-outbox-entry]') ? 'entries' : s && s.getAttribute('data-outbox-count'); })()"
)


def fine_today_offline(visitor: Visitor) -> None:
    """On /me, offline, the resident taps "I'm fine today": the outbox takes it."""
    visitor.goto("/me")
    visitor.context.set_offline(True)
    visitor.page.get_by_role("button", name="I'm fine today").click()
    visitor.page.locator("[data-outbox-note]").wait_for()


def new_resident(live_server, name: str) -> tuple[int, str]:
    """A resident of this test's own, with a card and the demo PIN: (id, card token)."""
    with database(live_server.app).sessionmaker() as session:
        sample = session.scalar(select(Resident).where(Resident.name == live_server.resident_name))
        person = Resident(community_id=sample.community_id, name=name)
        session.add(person)
        session.flush()
        set_pin(session, SYSTEM, person, DEMO_PIN)
        card = issue_card(session, SYSTEM, person)
        session.commit()
        return person.id, card.token


def check_ins(live_server, resident_id: int) -> int:
    with database(live_server.app).sessionmaker() as session:
        return session.scalar(select(func.count(CheckIn.id)).where(CheckIn.resident_id == resident_id)) or 0


def test_queued_entries_are_shown_and_delivered_only_for_the_resident_who_wrote_them(browser, live_server):
    """A shared phone: what one resident left in the outbox is never listed for anyone else (the next person
    signed in, or nobody), never sent as someone else (the server refuses it too), and goes out once its author
    signs in again."""
    author, author_card = new_resident(live_server, "借手机的林阿姨")
    visitor = Visitor(browser, live_server.url, paired=False, service_worker=True)
    visitor.set_locale("en")
    visitor.sign_in_resident(author_card)
    controlled(visitor)
    fine_today_offline(visitor)
    assert "kept on this phone" in visitor.page.locator("[data-outbox-note]").inner_text()
    tag = visitor.page.locator("script[data-owner]").get_attribute("data-owner")
    assert tag
    visitor.page.reload(wait_until="load")  # offline: the offline page lists the author's own entry
    assert "You are offline" in visitor.page.content()
    visitor.page.locator("[data-outbox-entry]").filter(has_text="I'm fine today").wait_for()

    # The author's session ends while the phone is offline; back online, nobody is signed in here.
    visitor.context.clear_cookies()
    visitor.set_locale("en")
    visitor.context.set_offline(False)
    visitor.goto("/")
    assert ask(visitor.page, OUTBOX_COUNT) == 1  # kept: nobody may send it
    visitor.context.set_offline(True)
    visitor.goto("/me")  # the offline page, seen by whoever holds the phone now
    assert "You are offline" in visitor.page.content()
    assert wait_until(visitor.page, LISTED) == "0"

    # The next person signs in on the same phone: none of it is theirs to see or to send.
    visitor.context.set_offline(False)
    visitor.sign_in_resident(live_server.card_token)
    assert wait_until(visitor.page, LISTED) == "0"
    visitor.context.set_offline(True)
    visitor.page.reload(wait_until="load")
    assert "You are offline" in visitor.page.content()
    assert wait_until(visitor.page, LISTED) == "0"
    visitor.context.set_offline(False)
    visitor.goto("/me")
    # Delivered as this person with the author's tag, or with none: the server refuses both.
    send = """(owner) => fetch('/checkin', {method: 'POST', credentials: 'same-origin',
        body: new URLSearchParams({csrf_token: document.querySelector('[name=csrf_token]').value}),
        headers: Object.assign({'Idempotency-Key': crypto.randomUUID(), Accept: 'application/json'},
                               owner ? {'Outbox-Owner': owner} : {})}).then(r => r.status)"""
    assert visitor.page.evaluate(send, tag) == 403
    assert visitor.page.evaluate(send, "") == 403
    assert check_ins(live_server, author) == 0
    assert ask(visitor.page, OUTBOX_COUNT) == 1

    # The author signs in here again: the entry is listed for them and sent as them, once.
    visitor.sign_in_resident(author_card)
    wait_until(visitor.page, f"{OUTBOX_COUNT}.then(n => n === 0)", timeout=15)
    assert check_ins(live_server, author) == 1


def test_queued_is_said_only_once_the_phone_has_kept_the_entry(browser, live_server):
    """Storage that fails when the entry is committed (a full phone) must not be reported as "kept": the
    resident is told it was not saved. Simulated by aborting the outbox's transaction right after its write."""
    visitor = Visitor(browser, live_server.url, paired=False, service_worker=True)
    visitor.context.add_init_script(
        """(() => { const put = IDBObjectStore.prototype.put;
        IDBObjectStore.prototype.put = function (...args) {
          const request = put.apply(this, args);
          if (this.name === 'outbox') { const tx = this.transaction; request.addEventListener('success', () => tx.abort()); }
          return request;
        }; })();"""
    )
    visitor.set_locale("en")
    visitor.sign_in_resident(live_server.card_token)
    controlled(visitor)
    fine_today_offline(visitor)
    note = visitor.page.locator("[data-outbox-note]").inner_text()
    assert "could not keep your entry" in note, note
    assert "will be sent by itself" not in note
    assert ask(visitor.page, OUTBOX_COUNT) == 0
    assert wait_until(visitor.page, LISTED) == "0"
    visitor.context.set_offline(False)


def test_sign_out_keeps_the_stored_pages_until_the_resident_confirms(browser, live_server):
    """Pressing Sign out with an entry still waiting only asks; the pages kept for offline reading stay until
    the resident confirms. Here they change their mind and go on reading offline."""
    visitor = Visitor(browser, live_server.url, paired=False, service_worker=True)
    visitor.set_locale("en")
    visitor.sign_in_resident(live_server.card_token)
    controlled(visitor)
    visitor.goto("/directory")
    online = visitor.page.locator("h1").first.inner_text()
    stored = "caches.open('linli-pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
    wait_until(visitor.page, f"{stored}.then(p => p.includes('/directory'))")
    fine_today_offline(visitor)
    visitor.page.locator("form[data-sign-out] button[type=submit]").click()
    warning = visitor.page.locator("[data-outbox-warning]")
    warning.wait_for()
    assert "Sign out anyway?" in warning.inner_text()
    visitor.goto("/directory")  # not confirmed: the directory is still there to read offline
    assert visitor.page.locator("h1").first.inner_text() == online
    assert "/directory" in ask(visitor.page, stored)
    visitor.context.set_offline(False)
