"""The interface every channel adapter keeps (see the package docstring for why it is this small)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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
    retry_after: float = 0  # seconds the gateway (or our own count of its limit) says to wait, at least


# Sent.code of `accepted()` when the gateway has no record of the message: it may be sent (again).
NOT_FOUND = "not_found"


class Channel(Protocol):
    kind: str

    def send(self, envelope: Envelope) -> Sent: ...

    def check(self) -> Sent:
        """Say whether the configuration can work (keys present, server reachable) without messaging anyone
        when the gateway allows that; otherwise send the test message the settings name."""
        ...


class Askable(Channel, Protocol):
    """A channel whose gateway can be asked whether it already accepted a message (by the key the message
    carried): the SMS gateways, whose send call keeps no idempotency key, and the development file. Asked
    before a message is sent again after an attempt whose outcome is unknown (a worker killed mid-send, a
    timeout): ok means accepted already (not sent again), code NOT_FOUND means it may be sent, anything else
    means it could not be told (in words; try again later rather than risk a repeat). Robots, e-mail and
    Web Push cannot be asked: see `webapp.domain.messages.delivery` for the window that leaves."""

    def accepted(self, envelope: Envelope, since: datetime) -> Sent: ...
