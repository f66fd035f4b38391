"""The installable, offline-capable phone app (and the kiosk's offline screens): manifest, service worker,
offline pages, the "add to home screen" guide, and the token the outbox asks for before sending.

The service worker is rendered from a template so that its version is the build's: it changes whenever a
file of the shell or the worker itself changes, and the browser (told `updateViaCache: 'none'`) notices at
the next navigation.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from webapp.config import LOCALES
from webapp.domain.register.community import default_community
from webapp.infra.db import get_session
from webapp.infra.i18n import HTML_LANG
from webapp.infra.json_body import Shape, Text, json_body
from webapp.infra.security import background
from webapp.shared.ui import static_url

bp = Blueprint("pwa", __name__)

PHONE_ASSETS = [
    "css/tokens.css",
    "css/base.css",
    "css/phone.css",
    "js/pwa.js",
    "js/outbox.js",
    "icons/sprite.svg",
]
KIOSK_ASSETS = [
    "css/tokens.css",
    "css/base.css",
    "css/kiosk.css",
    "js/pwa.js",
    "js/kiosk.js",
    "icons/sprite.svg",
]
ICONS = ["icons/icon-192.png", "icons/icon-512.png", "icons/maskable-192.png", "icons/maskable-512.png"]
# Public pages kept for offline reading (stale-while-revalidate): notices, the directory, lessons, practice.
SWR_PREFIXES = ["/notices", "/directory", "/learn", "/practice"]
# Kiosk screens that show personal items during a visit: network first, the anonymous copy only when offline.
KEEP_PREFIXES = ["/kiosk/notices", "/kiosk/directory", "/kiosk/learn", "/kiosk/practice", "/kiosk/events"]
MAX_ENTRIES = 60
MAX_AGE_DAYS = 7


def owner_tag(resident_id: int) -> str:
    """An opaque tag of the signed-in resident, so that the outbox sends an entry only for its author."""
    secret = current_app.config["SECRET_KEY"]
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    return hmac.new(key, f"outbox:{resident_id}".encode(), hashlib.sha256).hexdigest()[:24]


@bp.get("/sw.js")
@background
def service_worker() -> ResponseReturnValue:
    """The worker script. The browser fetches it by itself on every page load (the update check), with the
    page's cookies: it never answers with a session cookie, or one that started before a scan and came back
    after it would put the old session back and wipe the new kiosk visit (seen in CI)."""
    kiosk = request.args.get("face") == "kiosk"
    assets = [static_url(a) for a in (KIOSK_ASSETS if kiosk else PHONE_ASSETS) + ICONS]
    offline = {}
    pages = []
    for locale in LOCALES:
        if kiosk:
            offline[locale] = url_for("kiosk.offline", lang=locale)
        else:
            offline[locale] = url_for("pwa.offline", lang=locale)
            pages.append(url_for("resident.home", lang=locale))
    shell = (
        assets + list(offline.values()) + pages + ([] if kiosk else [url_for("pwa.install", lang="zh_Hans")])
    )
    template = current_app.jinja_env.get_or_select_template("pwa/sw.js")
    source = Path(template.filename).read_bytes() if template.filename else b""
    version = hashlib.sha256(("|".join(shell)).encode() + source).hexdigest()[:12]
    body = render_template(
        "pwa/sw.js",
        version=version,
        shell_urls=shell,
        offline_urls=offline,
        swr_prefixes=SWR_PREFIXES,
        keep_prefixes=KEEP_PREFIXES,
        max_entries=MAX_ENTRIES,
        max_age_days=MAX_AGE_DAYS,
        # The instance default, not the asking page's language: the same bytes for everyone, or each change of
        # language would install the worker again. Pages tell it their language.
        default_locale=current_app.config["LINLI"].default_locale,
        token_url=url_for("pwa.outbox_token"),
        icon_url=static_url("icons/icon-192.png"),
        outbox=not kiosk,
        shell_credentials="same-origin" if kiosk else "omit",
    )
    response = Response(body, mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest/<locale>.webmanifest")
def manifest(locale: str) -> ResponseReturnValue:
    if locale not in LOCALES:
        abort(404)
    community = default_community(get_session())
    with force_locale(locale):
        name = community.name(locale) if community else _("Linli")
        data = {
            "name": _("Linli · %(community)s", community=name),
            "short_name": _("Linli"),
            "description": _("Report a problem, book a service and follow up, close to home."),
            "lang": HTML_LANG[locale],
            "start_url": url_for("resident.home", lang=locale, source="app"),
            "scope": "/",
            "id": "/?app=linli",
            "display": "standalone",
            "orientation": "portrait",
            "theme_color": "#1a56a8",
            "background_color": "#ffffff",
            "icons": [
                {
                    "src": static_url("icons/icon-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                    "purpose": "any",
                },
                {
                    "src": static_url("icons/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "any",
                },
                {
                    "src": static_url("icons/maskable-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                    "purpose": "maskable",
                },
                {
                    "src": static_url("icons/maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
@background  # fetched by the worker's precache: never rewrites the session either
def offline() -> ResponseReturnValue:
    """What works without a network; the outbox list is filled in by the page's script."""
    return render_template("pwa/offline.html", community=default_community(get_session()))


@bp.get("/install")
def install() -> ResponseReturnValue:
    return render_template("pwa/install.html")


@bp.get("/outbox/token")
@background
def outbox_token() -> ResponseReturnValue:
    """A fresh CSRF token and the signed-in resident's tag, asked for by the outbox right before sending."""
    from webapp.resident.account import signed_in_resident

    resident = signed_in_resident()
    if resident is None:
        return jsonify(ok=False), 401
    response = jsonify(ok=True, csrf=generate_csrf(), owner=owner_tag(resident.id))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def outbox_owner() -> str:
    """The signed-in resident's outbox tag for the page ("" for anyone else)."""
    from webapp.resident.account import signed_in_resident

    resident = signed_in_resident()
    return owner_tag(resident.id) if resident is not None else ""


@bp.get("/push/key")
def push_key() -> ResponseReturnValue:
    """The VAPID public key a phone needs to subscribe to Web Push (made on first use)."""
    from webapp.shared.push import public_key

    return jsonify(key=public_key(current_app.instance_path))


@bp.post("/push/subscribe")
@json_body(
    Shape(
        required=True,
        endpoint=Text(max_length=2048, required=True),
        keys=Shape(
            required=True, p256dh=Text(max_length=256, required=True), auth=Text(max_length=64, required=True)
        ),
    )
)
def push_subscribe(body: dict[str, Any]) -> ResponseReturnValue:
    """Keep this phone's push subscription for the signed-in resident (JSON from PushManager.subscribe)."""
    from webapp.domain.desk.notifications import subscribe
    from webapp.resident.account import signed_in_resident

    resident = signed_in_resident()
    if resident is None:
        return jsonify(ok=False), 401
    db = get_session()
    saved = subscribe(
        db, resident.id, body["endpoint"], body["keys"]["p256dh"], body["keys"]["auth"], str(get_locale())
    )
    if saved is None:
        return jsonify(ok=False, error=_("This phone's browser sent a subscription we cannot use.")), 400
    return jsonify(ok=True)
