"""Take the office set-up screenshots of issue 16 in docs/screenshots/: staff accounts (the street office's
list: every community's colleagues, the grid worker, the district administrators, last sign-ins, and the
invitation form), an invitation link with its QR, one colleague's roles and actions, the communities of a
street office, a bulk buildings preview, a community's service providers, the office's settings and the
district roll-up with a second community beside the demo's (a month of its work: tickets resolved and rated,
a class held, a kiosk heard most hours); and those of issue 19: an API key just made, the API's page
(/api/docs), the webhooks page and the delivery log with a delivery that failed for good; desktop, in the
three languages.

Usage: .venv/bin/python docs/screenshots_admin.py [shot ...]  (starts its own server on a fresh demo
database; name shots, e.g. `providers settings` or `api-keys api-docs webhooks webhooks-log`, to take only
those)
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs"))
from screenshots import ARGS, OUT, PASSWORD, PIN  # noqa: E402

from webapp import create_app, migrations  # noqa: E402
from webapp.content.demo import seed_demo  # noqa: E402
from webapp.domain.identity.vault import Vault  # noqa: E402
from webapp.domain.privacy.audit import SYSTEM  # noqa: E402
from webapp.domain.webhooks import hooks  # noqa: E402
from webapp.domain.webhooks.events import emit  # noqa: E402
from webapp.infra import clock  # noqa: E402
from webapp.infra.db import make_engine  # noqa: E402
from webapp.models import ApiKey, Community, WebhookDelivery, WebhookStatus  # noqa: E402

KEY_NAMES = {"zh_Hans": "区级看板", "zh_Hant": "區級看板", "en": "District dashboard"}


def forget_keys(url: str) -> None:
    """Each language's shot shows the one key just made, not those of the languages before it."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(delete(ApiKey))
    engine.dispose()


def a_webhook_with_a_failed_delivery(session: Session, vault: Vault) -> None:
    """The district dashboard's webhook: one event delivered, one failed for good (no worker runs here)."""
    community_id = session.scalars(select(Community.id).where(Community.slug == "guihua")).one()
    hooks.register(
        session,
        SYSTEM,
        vault,
        community_id,
        "区级看板",
        "https://dashboard.example.org/linli",
        ["ticket.created", "ticket.changed"],
        scopes=["tickets:read"],
    )
    emit(session, community_id, "ticket.created", {"number": "B-0001", "status": "submitted"})
    session.flush()
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == WebhookStatus.PENDING)
        .values(status=WebhookStatus.DELIVERED, attempts=1, response_code=204, delivered_at=clock.now())
    )
    emit(session, community_id, "ticket.changed", {"number": "B-0002", "status": "accepted"})
    session.flush()
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == WebhookStatus.PENDING)
        .values(
            status=WebhookStatus.FAILED,
            attempts=8,
            response_code=503,
            last_error="The receiver answered 503.",
        )
    )


SECOND = {"zh_Hans": "梅花社区", "zh_Hant": "梅花社區", "en": "Plum Blossom Community"}


def seed_second_community(session: Session, vault: Vault) -> None:
    """梅花社区 beside the demo's, under the same street office, through the console's own core functions:
    its buildings from one description, residents, a month of tickets (resolved after a few hours, most
    rated), one class held where two people gained a skill, and a paired kiosk heard most hours of the
    week."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from webapp.content.services import seed_catalog
    from webapp.domain.desk.tickets import change_status, rate, submit
    from webapp.domain.kiosk.devices import heartbeat, pair, start_pairing
    from webapp.domain.privacy.audit import SYSTEM, Actor
    from webapp.domain.register import compound
    from webapp.domain.register.residents import ResidentInput, create_resident
    from webapp.domain.register.setup import create_community
    from webapp.domain.training import courses
    from webapp.models import Community, ConsentKind, Household, Kiosk, ServiceType, Status

    demo = session.scalar(select(Community).where(Community.slug == "guihua"))
    if demo is None:
        raise SystemExit("the demo community is missing")
    real_now = clock.now()
    clock.freeze(real_now - timedelta(days=30))
    try:
        plum = create_community(session, SYSTEM, demo.region, SECOND, slug="meihua", phone="0571-8888-1234")
        made = compound.create(
            session, SYSTEM, plum.id, compound.parse("幢 1–3, 每幢 2 个单元, 11 层, 每层 2 户")
        )
        flats = list(session.scalars(select(Household).where(Household.building_id == made[0].id).limit(8)))
        seed_catalog(session, plum.id, clock.now().date(), vault)
        people = [
            create_resident(
                session,
                vault,
                SYSTEM,
                plum.id,
                ResidentInput(
                    name=name,
                    household_id=flat.id,
                    birth_date=date(1940 + i * 3, 3, 12),
                    consents={ConsentKind.AGE},
                ),
            )
            for i, (name, flat) in enumerate(
                zip(("梅秀兰", "周建华", "吴玉英", "郑德明"), flats, strict=False)
            )
        ]
        types = {
            t.code: t for t in session.scalars(select(ServiceType).where(ServiceType.community_id == plum.id))
        }
        office = Actor(type="staff", name="梅花社区办公室")
        for day, (code, hours, stars) in enumerate(
            (
                ("suggestion", 5, 5),
                ("other", 20, 4),
                ("suggestion", 3, 5),
                ("other", 30, None),
                ("suggestion", 8, 4),
            )
        ):
            clock.freeze(real_now - timedelta(days=25 - day * 4))
            who = people[day % len(people)]
            ticket = submit(
                session,
                SYSTEM,
                who,
                types[code],
                {"details": "楼道灯不亮", "when": "any"} if code == "other" else {"details": "楼道灯不亮"},
                "staff",
                household_id=who.household_id,
            ).request
            clock.freeze(clock.now() + timedelta(hours=hours))
            change_status(session, office, ticket, Status.RESOLVED)
            if stars:
                rate(session, Actor(type="resident", id=who.id), ticket, stars)
        clock.freeze(real_now - timedelta(days=2))
        for who in people[:2]:
            submit(
                session,
                SYSTEM,
                who,
                types["other"],
                {"details": "想了解助餐", "when": "morning"},
                "staff",
                household_id=who.household_id,
            )
        course = courses.save_course(
            session, SYSTEM, plum.id, None, {"zh_Hans": "手机课", "en": "Phone class"}, ["scan_qr"]
        )
        clock.freeze(real_now - timedelta(days=10))
        held = courses.save_session(
            session,
            SYSTEM,
            course,
            None,
            {
                "place": "梅花社区活动室",
                "starts_at": clock.now() + timedelta(hours=2),
                "minutes": 60,
                "capacity": 10,
            },
        )
        for who in people[:3]:
            courses.signup(session, SYSTEM, held, who, "phone")
        clock.freeze(clock.now() + timedelta(hours=3))
        for who in people[:2]:
            courses.mark(session, SYSTEM, held, who, "scan_qr", "on_my_own")
        kiosk = Kiosk(community=plum, name="1幢大堂自助机", place="1幢一楼大堂")
        session.add(kiosk)
        session.flush()
        clock.freeze(real_now - timedelta(days=8))
        pair(session, start_pairing(session, SYSTEM, kiosk))
        for hour in range(7 * 24 + 1):  # the last one now: the box is online
            if hour % 12 != 3:  # heard most hours: a few gaps, as a box on patchy power would have
                clock.freeze(real_now - timedelta(hours=7 * 24 - hour))
                heartbeat(session, kiosk, "1", None)
    finally:
        clock.freeze(None)


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'shots.db'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    with Session(engine) as session:
        seed_demo(session, PASSWORD, clock.now().date(), Vault.from_master(bytes(32)), PIN)
        a_webhook_with_a_failed_delivery(session, Vault.from_master(bytes(32)))
        seed_second_community(session, Vault.from_master(bytes(32)))
        session.commit()
    engine.dispose()
    app = create_app({"database_url": url, "instance_path": tmp / "instance", "encryption_key": bytes(32)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for locale in ("zh_Hans", "zh_Hant", "en"):
            for who, shots in (
                (
                    "admin",
                    ("account", "invite-link", "providers", "settings")
                    + ("api-keys", "api-docs", "webhooks", "webhooks-log"),
                ),
                ("district", ("accounts", "communities", "buildings-bulk", "district")),
            ):
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                ctx.add_cookies([{"name": "linli_locale", "value": locale, "url": base}])
                page = ctx.new_page()
                page.goto(base + "/staff/sign-in")
                page.fill("#username", who)
                page.fill("#password", PASSWORD)
                page.click("form:not(.display-controls) button[type=submit]")
                page.wait_for_url(base + "/staff/")
                for shot in shots:
                    if sys.argv[1:] and shot not in sys.argv[1:]:
                        continue
                    if shot == "providers":  # the clinic: its routed services, its doctor, the list
                        page.goto(base + "/staff/providers/4")
                    elif shot == "settings":
                        page.goto(base + "/staff/settings")
                    elif shot == "accounts":
                        page.goto(base + "/staff/accounts")
                    elif shot == "account":
                        page.goto(base + "/staff/accounts")
                        page.click("td a >> nth=1")
                    elif shot == "invite-link":
                        page.goto(base + "/staff/accounts")
                        page.fill("#display_name", "刘芳")
                        page.select_option("#role", value="community_worker")
                        page.click("form[action$='#invite'] button[type=submit]")
                    elif shot == "communities":
                        page.goto(base + "/staff/communities")
                    elif shot == "district":
                        page.goto(base + "/staff/district")
                    elif shot == "api-keys":  # a key just made: shown once, above the list
                        forget_keys(url)
                        page.goto(base + "/staff/api-keys")
                        page.fill("#name", KEY_NAMES[locale])
                        page.check("input[value='tickets:read']")
                        page.check("input[value='figures:read']")
                        page.select_option("#expiry", value="365")
                        page.click("form[action$='/api-keys'] button[type=submit]")
                        page.wait_for_selector("#made-key")
                    elif shot == "api-docs":
                        page.goto(base + "/api/docs")
                    elif shot == "webhooks":
                        page.goto(base + "/staff/webhooks")
                    elif shot == "webhooks-log":  # one delivered, one failed for good (with Replay)
                        page.goto(base + "/staff/webhooks/log")
                    else:
                        page.goto(base + "/staff/buildings/bulk")
                        page.fill(
                            "#description",
                            "幢 11–14, 每幢 3 个单元, 18 层, 每层 4 户\n13 幢: 2 个单元, 11 层",
                        )
                        page.click("button[value=preview]")
                    name = shot if shot == "api-docs" else f"staff-{shot}"
                    page.screenshot(path=str(OUT / f"{name}-{locale}.png"), full_page=True)
                ctx.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
