"""Throttles for the faces: the store the setting chooses, the client's address, and the translated 429.

The rules: `domain/identity/throttle.py`; this module only binds them to a request. LINLI_THROTTLE_STORE
chooses where failures are counted: "database" (default; one box) or "redis" (LINLI_REDIS_URL; several app
servers). When Redis does not answer, the database counts instead and the log says so: a throttle that
silently stops counting would be worse than a slower one.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Response, current_app, request
from flask_babel import gettext as _

from webapp.domain.identity import throttle
from webapp.domain.identity.throttle import Check, DatabaseStore, RedisStore, Store
from webapp.infra.db import get_session

log = logging.getLogger("linli.security")


def _redis() -> object | None:
    """The app's Redis client (made once), or None when Redis does not answer."""
    import redis

    settings = current_app.config["LINLI"]
    client = current_app.extensions.get("linli_redis")
    if client is None:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        current_app.extensions["linli_redis"] = client
    try:
        client.ping()
    except redis.RedisError:
        log.error("throttle: Redis at %s does not answer; counting in the database", settings.redis_url)
        return None
    return client


def store() -> Store:
    if current_app.config["LINLI"].throttle_store == "redis":
        client = _redis()
        if client is not None:
            return RedisStore(client)
    return DatabaseStore(get_session())


def address() -> str:
    """The client's address as the proxy in front of us reports it (LINLI_PROXY_HOPS)."""
    return request.remote_addr or "unknown"


def channel() -> str:
    return f"ip:{address()}"


def wait_minutes(retry_at: datetime) -> int:
    return max(1, (throttle.seconds_until(retry_at) + 59) // 60)


def too_many_tries(retry_at: datetime) -> Response:
    """The translated 429 in the face's layout (JSON for scripts), with Retry-After in seconds."""
    from webapp.infra.errors import json_error, render_error, wants_json_error

    minutes = wait_minutes(retry_at)
    title = _("Too many tries")
    message = (
        _("For safety, please wait a minute and try again.")
        if minutes == 1
        else _("For safety, please wait %(num)d minutes and try again.", num=minutes)
    )
    answer = json_error(429, title, message) if wants_json_error() else render_error(429, title, message)
    response = current_app.make_response(answer)
    response.headers["Retry-After"] = str(throttle.seconds_until(retry_at))
    return response


def refuse_if_throttled(checks: list[Check]) -> Response | None:
    at = throttle.retry_at(store(), checks)
    return too_many_tries(at) if at is not None else None


def note_failure(checks: list[Check]) -> None:
    """Count a failure (the caller commits: the burst's audit row rides on the request's transaction)."""
    throttle.failed(get_session(), store(), checks, channel())


def link_checks(route: str) -> list[Check]:
    """Guessing a card, hand-off or certificate link: per address (slowed) and per route (noticed)."""
    return [
        Check(throttle.LINK_BY_ADDRESS, throttle.key(throttle.LINK_BY_ADDRESS, route, address())),
        Check(throttle.LINK_ALL, throttle.key(throttle.LINK_ALL, route)),
    ]


def pairing_checks(client_address: str) -> list[Check]:
    """Guessing a kiosk pairing code: per address and across everyone (codes are short)."""
    return [
        Check(throttle.PAIRING_BY_ADDRESS, throttle.key(throttle.PAIRING_BY_ADDRESS, client_address)),
        Check(throttle.PAIRING_ALL, throttle.key(throttle.PAIRING_ALL)),
    ]
