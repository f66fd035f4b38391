"""The real worker (`webapp.jobs.worker.run_worker`) with one test-only adapter: an SMS channel whose `path`
is an http:// address posts each message, with its idempotency key, to that local receiving server.

Run as `python -m tests.integration.outbox_worker` with the environment the test gives it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

import webapp.jobs.tasks as tasks
from webapp import create_app
from webapp.infra.channels.base import Channel, Envelope, Sent
from webapp.jobs.worker import run_worker


class HttpTestSms:
    """Speaks to the receiving server as a gateway that honours an idempotency key (Alibaba's OutId,
    WeCom's msgid-style keys): the key travels with every request."""

    kind = "sms_http_test"

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, envelope: Envelope) -> Sent:
        body = json.dumps({"key": envelope.key, "to": envelope.address, "text": envelope.text}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (a local test server)
                return Sent(ok=answer.status == 200, gateway_id=envelope.key)
        except (urllib.error.URLError, OSError) as exc:
            return Sent(ok=False, retry=True, detail=f"unreachable: {exc}")

    def check(self) -> Sent:
        return Sent(ok=True)


_real_build = tasks.build


def _build(kind: str, settings: Mapping[str, str]) -> Channel:
    path = settings.get("path", "")
    if kind == "sms_file" and path.startswith("http://127.0.0.1:"):
        return HttpTestSms(path)
    return _real_build(kind, dict(settings))


tasks.build = _build  # type: ignore[assignment]
_real_settings = tasks.instance_settings


def _settings(app: Any, kind: str, settings: dict[str, str]) -> dict[str, str]:
    """The test server's address stays an address (the real one puts a relative file in the instance)."""
    if kind == "sms_file" and settings.get("path", "").startswith("http://127.0.0.1:"):
        return dict(settings)
    return _real_settings(app, kind, settings)


tasks.instance_settings = _settings  # type: ignore[assignment]

if __name__ == "__main__":
    run_worker(create_app(), workers=4, periodic=False)
