"""POST one signed webhook delivery and say what became of it, in words an office can act on.

Why redirects are not followed: the signature and the address were agreed with the administrator who
registered the webhook; a receiver that moves says so with a new registration, and a redirect to an inner
address of the network is refused rather than obeyed. The answer's body is never read beyond 1 KB.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT = 10.0  # seconds; a slow receiver is tried again later rather than holding a worker thread


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: int | None = None  # the receiver's HTTP status, when it answered
    retry: bool = True
    detail: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float = TIMEOUT) -> Outcome:
    """2xx is delivered; 410 Gone fails for good (the receiver says it will never take it); any other answer
    or no answer is tried again later."""
    if urlsplit(url).scheme not in ("https", "http"):
        return Outcome(ok=False, retry=False, detail="The address is not an http(s) address.")
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310 (checked)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(1024)
            code = int(response.status)
    except urllib.error.HTTPError as exc:
        code = int(exc.code)
    except OSError as exc:  # refused, timed out, name not found, TLS refused: all OSErrors
        reason = getattr(exc, "reason", exc)
        return Outcome(ok=False, detail=f"The receiver could not be reached ({reason}).")
    except ValueError as exc:
        return Outcome(ok=False, retry=False, detail=f"The address is not valid ({exc}).")
    if 200 <= code < 300:
        return Outcome(ok=True, code=code)
    if code == 410:
        return Outcome(ok=False, code=code, retry=False, detail="The receiver answered 410 Gone.")
    return Outcome(ok=False, code=code, detail=f"The receiver answered {code}.")
