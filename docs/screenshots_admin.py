"""Take the office set-up screenshots of issue 16 in docs/screenshots/: staff accounts (the list with last
sign-ins and the invitation form), an invitation link with its QR, one colleague's roles and actions, the
communities of a street office, a bulk buildings preview, a community's service providers and the office's
settings; and those of issue 19: an API key just made, the API's page (/api/docs), the webhooks page and the
delivery log with a delivery that failed for good; desktop, in the three languages.

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


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'shots.db'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    with Session(engine) as session:
        seed_demo(session, PASSWORD, clock.now().date(), Vault.from_master(bytes(32)), PIN)
        a_webhook_with_a_failed_delivery(session, Vault.from_master(bytes(32)))
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
                    ("accounts", "account", "invite-link", "providers", "settings")
                    + ("api-keys", "api-docs", "webhooks", "webhooks-log"),
                ),
                ("district", ("communities", "buildings-bulk", "district")),
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
