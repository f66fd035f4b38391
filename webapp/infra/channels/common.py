"""What every adapter shares: the "settings missing" answer, template lookup, and a JSON POST that turns
network trouble into a Sent instead of an exception."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from webapp.infra.channels.base import Channel, Envelope, Sent

TIMEOUT = 8.0  # seconds; a job retries later rather than hang on a slow gateway


def not_configured(kind: str, settings: Mapping[str, str]) -> Sent | None:
    """Sent(code="config") naming the missing settings, or None when all required ones are there."""
    from webapp.infra.channels.registry import missing

    names = missing(kind, settings)
    if not names:
        return None
    return Sent(ok=False, retry=False, code="config", detail="Missing settings: " + ", ".join(names) + ".")


def template_code(settings: Mapping[str, str], envelope: Envelope) -> tuple[str, Sent | None]:
    """The approved template code for the envelope's kind of message, or a Sent saying it is not set (or that
    this kind of message has no SMS template at all: never sent as another template)."""
    kind = envelope.template
    if not kind:
        return "", Sent(
            ok=False,
            retry=False,
            code="template_missing",
            detail="This kind of message has no SMS template: it goes to staff groups or by e-mail only.",
        )
    code = settings.get(f"template_{kind}", "").strip()
    if not code:
        return "", Sent(
            ok=False,
            retry=False,
            code="template_missing",
            detail=f"No approved template code is set for the message kind '{kind}' "
            f"(setting template_{kind}).",
        )
    return code, None


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or the text when it was not JSON


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float = TIMEOUT) -> Answer | Sent:
    """POST and read the answer whatever its status; unreachable or timed out → Sent(retry=True) in words."""
    if not url.lower().startswith(("https://", "http://")):
        return Sent(
            ok=False, retry=False, code="config", detail=f"The address {url!r} is not an http(s) address."
        )
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310 (checked)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only, above)
            return Answer(response.status, _parse(response.read()))
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, _parse(exc.read()))
    except OSError as exc:  # URLError, timeouts and refused connections are all OSErrors
        reason = getattr(exc, "reason", exc)
        return Sent(
            ok=False,
            retry=True,
            code="unreachable",
            detail=f"The gateway at {_host(url)} could not be reached ({reason}); will try again.",
        )
    except ValueError as exc:  # a malformed URL in the settings
        return Sent(ok=False, retry=False, code="config", detail=f"The address {url!r} is not valid ({exc}).")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return raw.decode("utf-8", "replace")[:300]


def server_error(answer: Answer, gateway: str) -> Sent | None:
    """5xx → retry; other non-JSON answers → a refusal in words."""
    if answer.status >= 500:
        return Sent(
            ok=False,
            retry=True,
            code="server",
            detail=f"{gateway} answered HTTP {answer.status}; will try again.",
        )
    if not isinstance(answer.body, dict):
        return Sent(
            ok=False,
            retry=answer.status == 429,
            code="rate_limited" if answer.status == 429 else "refused",
            detail=f"{gateway} answered HTTP {answer.status}: {str(answer.body)[:200]}",
        )
    return None


def sms_check(channel: Channel) -> Sent:
    """An SMS gateway has no "is this key right?" call that sends nothing: the check is one approved test
    template sent to the number the office named (`test_phone`)."""
    phone = getattr(channel, "settings", {}).get("test_phone", "").strip()
    if not phone:
        return Sent(
            ok=False,
            code="no_test_address",
            detail="Set test_phone to the number that receives test messages.",
        )
    return channel.send(Envelope(address=phone, text="", key=f"check-{uuid.uuid4().hex}", template="test"))
