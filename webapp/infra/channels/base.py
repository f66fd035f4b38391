"""The interface every channel adapter keeps (see the package docstring for why it is this small)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Envelope:
    """One message to one address through one channel, ready to go.

    `address` is what the gateway needs: a phone number (SMS), an e-mail address, a push subscription's JSON,
    or empty for a group robot whose webhook is the address. `text` is the finished short message in the
    reader's language; SMS gateways that send only approved templates use `template` and `params` instead.
    `key` is the idempotency key (message id and channel): adapters pass it to gateways that accept one.
    """

    address: str
    text: str
    key: str
    subject: str = ""
    template: str = ""
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sent:
    """What a gateway answered. `ok` false with `retry` true means try again later (unreachable, rate
    limited, 5xx); `retry` false means it will never work as configured (wrong key, unknown template), and
    `detail` says so in words an office can act on (English; the console translates known cases by `code`).
    """

    ok: bool
    detail: str = ""
    retry: bool = False
    code: str = ""
    gateway_id: str = ""


class Channel(Protocol):
    kind: str

    def send(self, envelope: Envelope) -> Sent: ...

    def check(self) -> Sent:
        """Say whether the configuration can work (keys present, server reachable) without messaging anyone
        when the gateway allows that; otherwise send the test message the settings name."""
        ...
