"""Web Push to residents' phones: VAPID keys made on first use, messages worded in the phone's language.

A push message says only that a ticket has news and its number, never names or notes: it travels through the
browser vendor's push service. It goes out through the notification outbox like every other message (a row per
subscribed phone, written with the notification; retried; shown on the console's Deliveries page); the in-app
banner stays the reliable channel.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.domain.messages.outbox import push_kind
from webapp.models import Notification

KEY_FILE = "vapid_private.pem"


def vapid_key_path(instance_path: str) -> Path:
    """The VAPID private key in the instance folder, generated (0600) the first time it is needed."""
    from py_vapid import Vapid01

    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        vapid = Vapid01()
        vapid.generate_keys()
        path.parent.mkdir(parents=True, exist_ok=True)
        vapid.save_key(str(path))
        path.chmod(0o600)
    return path


def public_key(instance_path: str) -> str:
    """The application server key a browser needs to subscribe (uncompressed P-256 point, base64url)."""
    from py_vapid import Vapid01

    vapid = Vapid01.from_file(str(vapid_key_path(instance_path)))
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def payload(kind: str, number: str, locale: str) -> str:
    """What a locked phone shows for a push row of the outbox (`kind` from `messages.outbox.push_kind`): that
    something has news and where, never the news itself (a lock screen is read by whoever holds the phone);
    the app shows the rest after sign-in."""
    with force_locale(locale):
        if kind == "push_class":
            body, url = _("You have news about a class. Open Linli to see it."), "/me/skills"
        elif kind == "push_skills":
            body, url = _("You have news about your skills. Open Linli to see it."), "/me/skills"
        elif kind == "push_event":
            body, url = _("You have news about a community activity. Open Linli to see it."), "/me/events"
        elif kind == "push_family":
            body, url = _("You have news from your family. Open Linli to see it."), "/me"
        elif not number:  # news about no ticket that no kind above words: say only that there is news
            body, url = _("You have news from Linli."), "/me"
        else:
            body, url = _("%(number)s has news. Open Linli to see it.", number=number), "/tickets"
        return json.dumps({"title": _("Linli"), "body": body, "url": url}, ensure_ascii=False)


def message(notification: Notification, locale: str) -> str:
    """The push words of one notification (what the worker sends for it)."""
    number = notification.request.number if notification.request is not None else ""
    return payload(push_kind(notification.kind), number, locale)


def channel_settings(app: Flask) -> dict[str, str]:
    """The Web Push channel's settings for `webapp.infra.channels.registry.build("webpush", ...)`: the
    instance's VAPID key (made on first use) and the contact the push services may write to."""
    return {
        "vapid_key_file": str(vapid_key_path(app.instance_path)),
        "contact": app.config["LINLI"].extra.get("push_contact", "mailto:office@example.org"),
    }
