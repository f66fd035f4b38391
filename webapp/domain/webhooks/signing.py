"""The signature on every delivery: HMAC-SHA256 over `timestamp + "." + body`, with the key id beside it.

Why the timestamp is signed: a receiver that refuses old timestamps (five minutes is usual) cannot be fed a
recorded delivery again. Why a key id: a receiver may follow several webhooks, and a secret may be replaced;
the id says which secret to check with, without trying each. The headers are documented in docs/api.md.
"""

from __future__ import annotations

import hashlib
import hmac

EVENT_ID = "Linli-Event-Id"
EVENT_TYPE = "Linli-Event"
TIMESTAMP = "Linli-Timestamp"
KEY_ID = "Linli-Key-Id"
SIGNATURE = "Linli-Signature"
SCHEME = "v1="  # the signature's version, so that a future scheme can sit beside this one


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>.<body>"` under the webhook's secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(
    secret: str, key_id: str, event_id: str, event_type: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Linli-Webhooks/1",
        EVENT_ID: event_id,
        EVENT_TYPE: event_type,
        TIMESTAMP: str(timestamp),
        KEY_ID: key_id,
        SIGNATURE: SCHEME + sign(secret, timestamp, body),
    }


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (the tests' receiving server and the docs' example): compare in constant time."""
    if not signature.startswith(SCHEME) or not timestamp.isdigit():
        return False
    return hmac.compare_digest(signature.removeprefix(SCHEME), sign(secret, int(timestamp), body))
