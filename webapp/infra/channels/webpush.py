"""Web Push (VAPID) behind the channel interface: what `webapp.shared.push` sends, as one adapter.

The address is the subscription as JSON ({"endpoint", "keys": {"p256dh", "auth"}}); the text is the payload
the phone shows (already worded, see `webapp.shared.push.message`). A push service answering 404 or 410 says
the subscription is gone: Sent(code="gone"), and the caller removes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from webapp.infra.channels.base import Envelope, Sent

TTL = 24 * 3600
TIMEOUT = 10


class WebPush:
    kind = "webpush"

    def __init__(self, settings: Mapping[str, str]) -> None:
        self.settings = dict(settings)

    def _key(self) -> Sent | str:
        key = self.settings.get("vapid_key_file", "")
        if not key or not Path(key).is_file():
            return Sent(ok=False, code="config", detail="The VAPID key file is missing (vapid_key_file).")
        return key

    def send(self, envelope: Envelope) -> Sent:
        from pywebpush import WebPushException, webpush

        key = self._key()
        if isinstance(key, Sent):
            return key
        try:
            subscription = json.loads(envelope.address)
            if not isinstance(subscription, dict) or "endpoint" not in subscription:
                raise ValueError("no endpoint")
        except ValueError:
            return Sent(ok=False, code="address", detail="The push subscription is not valid.")
        try:
            webpush(
                subscription_info=subscription,
                data=envelope.text,
                vapid_private_key=key,
                vapid_claims={"sub": self.settings.get("contact") or "mailto:office@example.org"},
                timeout=TIMEOUT,
                ttl=TTL,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            if status in (404, 410):
                return Sent(
                    ok=False, code="gone", detail=f"The phone's subscription is gone (HTTP {status})."
                )
            if status == 429 or (status or 0) >= 500 or status is None:
                return Sent(
                    ok=False,
                    retry=True,
                    code="server",
                    detail=f"The push service answered HTTP {status}; will try again.",
                )
            return Sent(
                ok=False, code="refused", detail=f"The push service refused the message (HTTP {status})."
            )
        except Exception as exc:  # noqa: BLE001 (requests' connection errors and the like: a push service being down)
            return Sent(
                ok=False,
                retry=True,
                code="unreachable",
                detail=f"The push service could not be reached ({type(exc).__name__}); will try again.",
            )
        return Sent(ok=True, detail="Accepted by the push service.")

    def check(self) -> Sent:
        key = self._key()
        if isinstance(key, Sent):
            return key
        return Sent(ok=True, detail="The VAPID key is in place; each phone subscribes itself.")
