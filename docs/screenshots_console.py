"""Take the console and lobby-display screenshots of issue 23 in docs/screenshots/: the staff overview with
live counts (normal and largest text, phone and desktop), the ticket queue at 360 px and on a desktop,
the class roster while marking, the lobby display with a long urgent notice (1920x1080 and 1080x1920),
a work order.

Usage: .venv/bin/python docs/screenshots_console.py  (starts its own server on a fresh demo database)
"""

from __future__ import annotations

import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "docs"))
from screenshots import ARGS, OUT, PASSWORD, PIN  # noqa: E402

from webapp import create_app, migrations  # noqa: E402
from webapp.content.demo import seed_demo  # noqa: E402
from webapp.domain.identity.vault import Vault  # noqa: E402
from webapp.domain.life.notices import save_notice  # noqa: E402
from webapp.domain.privacy.audit import SYSTEM  # noqa: E402
from webapp.infra import clock  # noqa: E402
from webapp.infra.db import make_engine  # noqa: E402
from webapp.models import TrainingSession  # noqa: E402

LONG = {
    "zh_Hans": "因3号楼主水管爆裂，今天上午10点至下午6点全小区停水。物业正在抢修，请提前储水；"
    "行动不便的老人可拨打物业电话或在大厅自助机上登记，志愿者会送桶装水上门。恢复供水后水可能发黄，"
    "请先放水几分钟。给您带来不便，敬请谅解。如有疑问请联系社区办公室。",
    "zh_Hant": "因3號樓主水管爆裂，今天上午10點至下午6點全社區停水。物業正在搶修，請提前儲水；"
    "行動不便的長者可撥打物業電話或在大廳自助機上登記，志願者會送桶裝水上門。恢復供水後水可能發黃，"
    "請先放水幾分鐘。給您帶來不便，敬請諒解。如有疑問請聯絡社區辦公室。",
    "en": "A burst main in Building 3: no water anywhere in the community from 10 am to 6 pm today. The "
    "property company is repairing it; please store some water now. If you cannot carry water, call the "
    "property office or sign up at the lobby touch screen and a volunteer will bring bottled water to your "
    "door. When the water comes back it may be brown: let it run for a few minutes first. Questions: the "
    "community office.",
}


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'shots.db'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    with Session(engine) as session:
        demo = seed_demo(session, PASSWORD, clock.now().date(), Vault.from_master(bytes(32)), PIN)
        titles = {
            "zh_Hans": "紧急停水通知：3号楼主水管爆裂，全小区今天白天停水",
            "zh_Hant": "緊急停水通知：3號樓主水管爆裂，全社區今天白天停水",
            "en": "Water cut today: a burst main in Building 3 stops the water in the whole community",
        }
        save_notice(
            session,
            SYSTEM,
            demo.community.id,
            None,
            {
                "titles": titles,
                "bodies": LONG,
                "summaries": LONG,
                "urgent": True,
                "starts_at": clock.now() - timedelta(hours=1),
                "ends_at": clock.now() + timedelta(hours=8),
                "building_ids": [],
                "groups": [],
            },
        )
        session.commit()
        class_id = session.scalars(select(TrainingSession.id).order_by(TrainingSession.starts_at)).first()
    app = create_app({"database_url": url, "instance_path": tmp / "instance", "encryption_key": bytes(32)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    shots = [
        ("staff-overview", "/staff/", (360, 740), "worker", "00"),
        ("staff-overview-largest-text", "/staff/", (360, 740), "worker", "20"),
        ("staff-overview-desktop", "/staff/", (1280, 800), "worker", "00"),
        ("staff-overview-desktop-largest-text", "/staff/", (1280, 800), "worker", "20"),
        ("staff-overview-menu-open", "/staff/", (360, 740), "worker", "00"),
        ("staff-tickets-phone", "/staff/tickets", (360, 740), "property", "00"),
        ("staff-tickets", "/staff/tickets", (1280, 800), "worker", "00"),
        ("staff-ticket", "/staff/tickets/2", (1280, 800), "worker", "00"),
        ("staff-work-order", "/staff/tickets/2/work-order", (1280, 800), "worker", "00"),
        ("staff-class-roster-marking", f"/staff/training/classes/{class_id}", (360, 740), "volunteer", "00"),
        ("display-urgent-long-landscape", "/display/guihua", (1920, 1080), None, "00"),
        ("display-urgent-long-portrait", "/display/guihua", (1080, 1920), None, "00"),
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for locale in ("zh_Hans", "zh_Hant", "en"):
            for stem, path, (w, h), who, display in shots:
                if locale != "zh_Hans" and ("largest" in stem or "menu" in stem or "work-order" in stem):
                    continue
                ctx = browser.new_context(viewport={"width": w, "height": h})
                ctx.add_cookies(
                    [
                        {"name": "linli_locale", "value": locale, "url": base},
                        {"name": "linli_display", "value": display, "url": base},
                    ]
                )
                page = ctx.new_page()
                if who:
                    page.goto(base + "/staff/sign-in")
                    page.fill("#username", who)
                    page.fill("#password", PASSWORD)
                    page.click("form:not(.display-controls) button[type=submit]")
                    page.wait_for_url(base + "/staff/")
                if page.url != base + path:
                    page.goto(base + path)
                page.wait_for_load_state("load")
                if "menu-open" in stem:
                    page.click(".console-menu > summary")
                if "marking" in stem:
                    # Scroll to the second attendee and mark a skill: the page stays where it was.
                    groups = page.locator("details[open] .roster-marks")
                    if groups.count() > 6:
                        target = groups.nth(6)
                        target.scroll_into_view_if_needed()
                        target.locator("button").nth(1).click()
                        page.locator(".roster-marks[data-saved='1']").first.wait_for()
                target = OUT / f"{stem}-{locale}.png"
                page.screenshot(path=str(target), full_page="phone" in stem)
                print(target.relative_to(ROOT))
                ctx.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
