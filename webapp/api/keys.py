"""Who is calling the API: the key in `Authorization: Bearer …` (or Open311's `api_key`), checked on every
route before anything else: unknown, revoked or expired → 401; without the route's scope or for a community
the key does not reach → 403; over its calls a minute → 429 (the throttles of webapp/shared/throttles.py).

CSRF does not apply to the API (no cookie is ever read there): a browser cannot send another site's key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.api.problems import fail, open311_error, problem
from webapp.domain.identity import api_keys, throttle
from webapp.domain.identity.api_keys import Scope
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.unit_of_work import keep
from webapp.models import ApiKey, Community
from webapp.shared import throttles

F = TypeVar("F", bound=Callable[..., Any])
CALLS_PER_MINUTE = 600


@dataclass(frozen=True)
class Caller:
    key: ApiKey
    actor: Actor
    community_ids: frozenset[int]

    def may(self, scope: Scope) -> bool:
        return scope.value in (self.key.scopes or [])


def _secret() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    if request.path.startswith("/open311"):  # Open311 clients send the key as a parameter
        return request.form.get("api_key") or request.args.get("api_key")
    return None


def _rule() -> throttle.Rule:
    limit = int(current_app.config["LINLI"].extra.get("api_calls_per_minute", CALLS_PER_MINUTE))
    return throttle.Rule("api.key", limit, timedelta(minutes=1))


def _count_call(key: ApiKey) -> None:
    """Count this call against the key's calls a minute (a throttle rule of its own); past the limit, a 429.

    One count and one row per call (what `throttle.retry_at` + `throttle.failed` would do in four queries),
    and `throttle.failed` only for the call that reaches the limit, so that the burst is audited once."""
    rule = _rule()
    check = throttle.Check(rule, throttle.key(rule, str(key.id)), "api_key", key.id, key.community_id)
    store = throttles.store()
    now = clock.now()
    counted = store.count(check.key, now - rule.window)
    retry = None
    if counted.first is not None and counted.last is not None:
        retry = rule.wait_after(counted.failures, counted.first, counted.last)
    if retry is not None and retry > now:
        words = _("This key made too many calls; please wait and try again.")
        answer = problem(429, _("Too many tries"), words)
        if request.path.startswith("/open311"):
            answer = open311_error(429, words)
        answer.headers["Retry-After"] = str(throttle.seconds_until(retry))
        abort(answer)
    if counted.failures + 1 == rule.limit:
        throttle.failed(get_session(), store, [check], f"api:{key.prefix}")
    else:
        store.fail(check.key, now, rule.window)


def authenticate(scope: Scope, slug: str | None = None) -> Caller:
    """The calling key, allowed *scope* (and the community *slug*, when the address names one)."""
    session = get_session()
    secret = _secret()
    key = api_keys.find(session, secret) if secret else None
    if key is None or not api_keys.is_usable(key):
        fail(
            401,
            _("A valid API key is needed"),
            _("Send an unrevoked, unexpired key: Authorization: Bearer …"),
        )
    ids = api_keys.community_ids(session, key)
    if scope.value not in (key.scopes or []):
        fail(403, _("This key may not do that"), _("The key lacks the scope %(scope)s.", scope=scope.value))
    community = community_or_404(slug) if slug is not None else None
    if community is not None and community.id not in ids:
        fail(403, _("This key may not do that"), _("The key does not reach this community."))
    _count_call(key)
    api_keys.touch(session, key)
    keep()  # the count and last use stand whatever the answer is
    caller = Caller(key, api_keys.actor_for(key, ids), ids)
    g.api_caller = caller
    g.api_community = community
    return caller


def community_or_404(slug: str) -> Community:
    community = get_session().scalar(select(Community).where(Community.slug == slug))
    if community is None:
        fail(404, _("Page not found"), _("No community has this name."))
    return community


def guard(scope: Scope) -> Callable[[F], F]:
    """Check the key before the view (and before its input is validated): no key, no answer at all."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authenticate(scope, kwargs.get("slug"))
            return audited(view(*args, **kwargs))

        wrapper.linli_writes = True  # type: ignore[attr-defined]  # counting calls writes, also on a GET
        wrapper.api_scope = scope  # type: ignore[attr-defined]  # the access test reads it
        return wrapper  # type: ignore[return-value]

    return decorate


def audited(answer: Any) -> Any:
    """Every write is audited as done by the key (rolled back with the write when the answer is an error)."""
    if request.method != "GET":
        who: Caller = g.api_caller
        place: Community | None = g.get("api_community")
        record(
            get_session(),
            who.actor,
            "api.write",
            "api_key",
            who.key.id,
            place.id if place else None,
            endpoint=request.endpoint,
        )
    return answer


def caller() -> Caller:
    return g.api_caller


def community() -> Community:
    return g.api_community
