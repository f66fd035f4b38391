"""Take the screenshots in docs/screenshots/: kiosk pages at 1080x1920, phone pages at 360x740.

Usage: .venv/bin/python docs/screenshots.py [WORD …]  (starts its own server on a fresh demo database;
with words, only the shots whose name contains one of them)
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from webapp import create_app, migrations  # noqa: E402
from webapp.content.demo import seed_demo  # noqa: E402
from webapp.domain.identity.vault import Vault  # noqa: E402
from webapp.domain.kiosk.devices import pair  # noqa: E402
from webapp.infra import clock  # noqa: E402
from webapp.infra.db import make_engine  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "screenshot-password"  # noqa: S105 (a throwaway demo database)
PIN = "246810"

# (file stem, path, viewport, who, display cookie); who: None, "staff" or "resident"
SHOTS = [
    ("kiosk-attract", "/kiosk/", (1080, 1920), None, "00"),
    ("kiosk-attract-largest-text", "/kiosk/", (1080, 1920), None, "20"),
    ("kiosk-attract-high-contrast", "/kiosk/", (1080, 1920), None, "01"),
    ("kiosk-start", "/kiosk/start", (1080, 1920), None, "00"),
    ("kiosk-attract-landscape", "/kiosk/", (1920, 1080), None, "00"),
    ("kiosk-attract-tablet", "/kiosk/", (1280, 800), None, "00"),
    ("kiosk-home", "/kiosk/home", (1080, 1920), "kiosk", "00"),
    ("kiosk-home-largest-text", "/kiosk/home", (1080, 1920), "kiosk", "20"),
    ("kiosk-home-tablet", "/kiosk/home", (1280, 800), "kiosk", "00"),
    ("kiosk-phone-pin", "/kiosk/phone", (1080, 1920), "kiosk", "00"),
    ("kiosk-help", "/kiosk/help", (1080, 1920), "kiosk", "00"),
    ("kiosk-idle-warning", "/kiosk/home", (1080, 1920), "kiosk-idle", "00"),
    ("kiosk-pair", "/kiosk/pair", (1080, 1920), "unpaired", "00"),
    ("kiosk-report-menu", "/kiosk/report?kind=report", (1080, 1920), "kiosk", "00"),
    ("kiosk-report-step", "/kiosk/report/repair-light/1", (1080, 1920), "kiosk", "00"),
    ("kiosk-book-day", "/kiosk/report/health-check/1", (1080, 1920), "kiosk", "00"),
    ("kiosk-book-day-largest-text", "/kiosk/report/health-check/1", (1080, 1920), "kiosk", "20"),
    ("kiosk-book-time", "/kiosk/report/health-check/1", (1080, 1920), "kiosk-day", "00"),
    ("kiosk-book-time-largest-text", "/kiosk/report/health-check/1", (1080, 1920), "kiosk-day", "20"),
    ("kiosk-book-review", "/kiosk/report/health-check/review", (1080, 1920), "kiosk-time", "00"),
    ("kiosk-book-done", "/kiosk/report/health-check/review", (1080, 1920), "kiosk-booked", "00"),
    ("kiosk-book-done-largest-text", "/kiosk/report/health-check/review", (1080, 1920), "kiosk-booked", "20"),
    ("kiosk-cancel-confirm", "/kiosk/report/health-check/review", (1080, 1920), "kiosk-cancel", "00"),
    ("kiosk-cancel-confirm-largest", "/kiosk/report/health-check/review", (1080, 1920), "kiosk-cancel", "20"),
    ("kiosk-cancel-done", "/kiosk/report/health-check/review", (1080, 1920), "kiosk-cancelled", "00"),
    ("kiosk-report-review", "/kiosk/report/repair-light/review", (1080, 1920), "kiosk", "00"),
    ("kiosk-my-requests", "/kiosk/tickets", (1080, 1920), "kiosk", "00"),
    ("kiosk-my-request-rate", "/kiosk/tickets/B-0002", (1080, 1920), "kiosk", "00"),
    ("kiosk-offline", "/kiosk/offline", (1080, 1920), None, "00"),
    ("phone-home", "/", (360, 740), None, "00"),
    ("phone-ask", "/ask", (360, 740), "resident", "00"),
    ("phone-ask-step", "/ask/repair-light/1", (360, 740), "resident", "20"),
    ("phone-ask-photo", "/ask/repair-light/4", (360, 740), "resident", "00"),
    ("phone-ask-review", "/ask/repair-light/review", (360, 740), "resident", "00"),
    ("phone-my-requests", "/tickets", (360, 740), "resident", "00"),
    ("phone-my-request-rate", "/tickets/B-0002", (360, 740), "resident", "00"),
    ("phone-offline", "/offline", (360, 740), None, "00"),
    ("phone-install", "/install", (360, 740), None, "00"),
    ("kiosk-learn", "/kiosk/learn", (1080, 1920), None, "00"),
    ("kiosk-lesson", "/kiosk/learn/scan_qr", (1080, 1920), None, "00"),
    ("kiosk-practice-scam", "/kiosk/practice/scam", (1080, 1920), None, "00"),
    ("phone-lesson", "/learn/spot_scam", (360, 740), None, "00"),
    ("phone-my-skills", "/me/skills", (360, 740), "resident", "00"),
    ("staff-class-roster", "/staff/training/classes/2", (360, 740), "staff", "00"),
    ("staff-tickets", "/staff/tickets", (1280, 800), "staff", "00"),
    ("staff-ticket", "/staff/tickets/2", (1280, 800), "staff", "00"),
    ("staff-desk-figures", "/staff/desk", (1280, 800), "staff", "00"),
    ("staff-catalog", "/staff/catalog", (1280, 800), "staff", "00"),
    ("phone-home-largest-text", "/", (360, 740), None, "20"),
    ("staff-overview", "/staff/", (360, 740), "staff", "00"),
    ("staff-residents", "/staff/residents", (1280, 800), "staff", "00"),
    ("staff-resident", "/staff/residents/1", (1280, 800), "staff", "00"),
    ("staff-import", "/staff/residents/import", (1280, 800), "staff", "00"),
    ("phone-sign-in", "/sign-in", (360, 740), None, "00"),
    ("phone-pin", "/c", (360, 740), "card", "00"),
    ("phone-me", "/me", (360, 740), "resident", "00"),
    ("phone-my-data", "/me/data", (360, 740), "resident", "20"),
    ("design-kiosk", "/design/kiosk", (1080, 1920), None, "00"),
    ("design-phone", "/design/phone", (360, 740), None, "00"),
]


def book(page: object, who: str, base: str) -> None:
    """Walk the booking flow by taps as far as the shot needs: a day, a time, send, then cancel it."""
    page.goto(base + "/kiosk/report/health-check/1")  # type: ignore[attr-defined]
    page.locator(".day-choices a").first.click()  # type: ignore[attr-defined]
    if who == "kiosk-day":
        return
    page.locator("button.choice").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/review")  # type: ignore[attr-defined]
    if who == "kiosk-time":
        return
    page.locator("main form button[type=submit]").first.click()  # type: ignore[attr-defined]
    page.locator(".qr-large").wait_for()  # type: ignore[attr-defined]
    if who == "kiosk-booked":
        return
    number = page.locator(".clock").inner_text().strip()  # type: ignore[attr-defined]
    page.goto(f"{base}/kiosk/requests/{number}")  # type: ignore[attr-defined]
    page.locator("button[value=cancel]").click()  # type: ignore[attr-defined]
    page.locator(".confirm-question").wait_for()  # type: ignore[attr-defined]
    if who == "kiosk-cancel":
        return
    page.locator("[data-confirm-yes]").click()  # type: ignore[attr-defined]
    page.locator(".done-art").wait_for()  # type: ignore[attr-defined]


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'shots.db'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    with Session(engine) as session:
        demo = seed_demo(session, PASSWORD, clock.now().date(), Vault.from_master(bytes(32)), PIN)
        session.commit()
        assert demo.sample_card is not None  # noqa: S101
        card = demo.sample_card.token
        _kiosk, kiosk_token = pair(session, demo.kiosk_code or "")
        session.commit()
    app = create_app({"database_url": url, "instance_path": tmp / "instance", "encryption_key": bytes(32)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        resident_state: dict[str, object] = {}  # one PIN sign-in per language (the PIN throttle is real)
        only = sys.argv[1:]
        for locale in ("zh_Hans", "zh_Hant", "en"):
            for stem, path, (w, h), who, display in SHOTS:
                if only and not any(word in stem for word in only):
                    continue
                if locale != "zh_Hans" and ("largest" in stem or "contrast" in stem or "design" in stem):
                    continue
                state = resident_state.get(locale) if who == "resident" else None
                ctx = browser.new_context(viewport={"width": w, "height": h}, storage_state=state)
                ctx.add_cookies(
                    [
                        {"name": "linli_locale", "value": locale, "url": base},
                        {"name": "linli_display", "value": display, "url": base},
                    ]
                )
                if who != "unpaired":
                    ctx.add_cookies([{"name": "linli_kiosk", "value": kiosk_token, "url": base}])
                page = ctx.new_page()
                if who == "kiosk-idle":
                    page.clock.install()
                if who.startswith("kiosk") if who else False:
                    page.goto(base + "/kiosk/")
                    page.keyboard.type(f"{base}/c/{card}", delay=5)
                    page.keyboard.press("Enter")
                    page.wait_for_url(base + "/kiosk/home")
                if who == "card" or (who == "resident" and state is None):
                    page.goto(f"{base}/c/{card}")
                if who == "resident" and state is None:
                    page.fill("#pin", PIN)
                    page.click("form:not(.display-controls) button[type=submit]")
                    page.wait_for_url(base + "/me")
                    resident_state[locale] = ctx.storage_state()
                if who == "staff":
                    page.goto(base + "/staff/sign-in")
                    page.fill("#username", "worker")
                    page.fill("#password", PASSWORD)
                    page.click("form:not(.display-controls) button[type=submit]")
                    page.wait_for_url(base + "/staff/")
                if page.url != base + path:
                    page.goto(base + path)
                if who in ("kiosk-day", "kiosk-time", "kiosk-booked", "kiosk-cancel", "kiosk-cancelled"):
                    book(page, who, base)
                if who == "kiosk-idle":
                    page.wait_for_load_state("load")
                    page.clock.fast_forward("00:59")
                    page.clock.fast_forward("00:02")
                    page.locator("[data-idle-overlay]").wait_for(state="visible")
                target = OUT / f"{stem}-{locale}.png"
                page.screenshot(path=str(target), full_page=stem.startswith("design"))
                print(target.relative_to(ROOT))
                ctx.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
