"""Web Push to residents' phones: VAPID keys made on first use, messages worded in the phone's language.

A push message says only that a ticket has news and its number, never names or notes: it travels through the
browser vendor's push service. Sending is best effort and happens in the worker (`webapp.jobs`, woken after
the commit that wrote the notification); the in-app banner is the reliable channel.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.infra import clock
from webapp.models import Notification, PushSubscription

log = logging.getLogger(__name__)
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


def message(notification: Notification, locale: str) -> str:
    """What a locked phone shows: that something has news and where, never the news itself (a lock screen is
    read by whoever holds the phone); the app shows the rest after sign-in."""
    with force_locale(locale):
        if notification.kind.startswith("class_"):
            body, url = _("You have news about a class. Open Linli to see it."), "/me/skills"
        elif notification.kind == "certificate":
            body, url = _("You have news about your skills. Open Linli to see it."), "/me/skills"
        elif notification.kind.startswith("event_"):
            body, url = _("You have news about a community activity. Open Linli to see it."), "/me/events"
        else:
            number = notification.request.number if notification.request is not None else ""
            body, url = _("%(number)s has news. Open Linli to see it.", number=number), "/tickets"
        return json.dumps({"title": _("Linli"), "body": body, "url": url}, ensure_ascii=False)


def channel_settings(app: Flask) -> dict[str, str]:
    """The Web Push channel's settings for `webapp.infra.channels.registry.build("webpush", ...)`: the
    instance's VAPID key (made on first use) and the contact the push services may write to."""
    return {
        "vapid_key_file": str(vapid_key_path(app.instance_path)),
        "contact": app.config["LINLI"].extra.get("push_contact", "mailto:office@example.org"),
    }


def subscription_address(sub: PushSubscription) -> str:
    """A subscription as the Web Push adapter's Envelope.address."""
    return json.dumps({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}})


def send_pending(app: Flask, session: Session, limit: int = 200) -> int:
    """Push each notification not yet pushed to every phone of its resident, through the Web Push channel
    adapter; gone endpoints are removed. (The notification outbox of issue 17 is to take this over.)"""
    from webapp.infra.channels.base import Envelope
    from webapp.infra.channels.registry import build

    pending = session.scalars(
        select(Notification).where(Notification.pushed_at.is_(None)).order_by(Notification.id).limit(limit)
    ).all()
    if not pending:
        return 0
    channel = build("webpush", channel_settings(app))
    sent = 0
    for notification in pending:
        notification.pushed_at = clock.now()
        subs = session.scalars(
            select(PushSubscription).where(PushSubscription.resident_id == notification.resident_id)
        ).all()
        for sub in subs:
            result = channel.send(
                Envelope(
                    address=subscription_address(sub),
                    text=message(notification, sub.locale),
                    key=f"notification-{notification.id}:push-{sub.id}",
                )
            )
            if result.ok:
                sent += 1
                continue
            if result.code == "gone":
                session.delete(sub)
            log.info("web push failed: %s", result.code)
    return sent
