"""Webhooks in the console: an administrator registers another system's HTTPS address for some events (tied
to an API key, or with scopes of its own), sees its signing secret once, turns it off; the delivery log shows
each event's deliveries (status, attempts, the receiver's answer, a final failure in words) with a replay
button. Registering, turning off and replaying are audited (`domain/webhooks/`). The log holds event ids,
ticket numbers and states, never a person: viewing it is not audited."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.auth.policy import Permission, deny, require
from webapp.domain.identity import api_keys as keys_core
from webapp.domain.webhooks import delivery, hooks
from webapp.domain.webhooks.hooks import OWN_SCOPES, WebhookError
from webapp.infra.db import get_session
from webapp.infra.numbers import MAX_ID, small_int
from webapp.models import ApiKey, Community, Webhook, WebhookDelivery
from webapp.shared.context import current_actor, vault
from webapp.staff.api_keys import SCOPE_WORDS, _regions
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids

EVENT_WORDS = {
    "ticket.created": _l("A ticket is filed"),
    "ticket.changed": _l("A ticket changes (its status, or a public note)"),
    "booking.made": _l("An appointment is booked"),
    "booking.cancelled": _l("An appointment is cancelled"),
    # Translators: a resident pressed "call for help" at a kiosk (求助呼叫).
    "help_call.raised": _l("A help call is raised"),
    "help_call.closed": _l("A help call is closed"),
}
STATUS_WORDS = {
    "pending": _l("Waiting"),
    "sending": _l("Being sent"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
}
ERRORS = {
    "name_required": _l("Give the webhook a name of up to 80 characters (which system receives it)."),
    "url_https": _l("Enter an address that starts with https:// (for example https://example.org/linli)."),
    "event_required": _l("Choose at least one event."),
    "bad_event": _l("Choose only events from the list."),
    "scope_missing": _l("The key or the scopes chosen do not allow every event chosen."),
    "bad_scope": _l("Choose only from the list."),
    "key_unusable": _l("Choose a key that works and reaches this community."),
    "where_required": _l("Choose where the key reaches."),
}
FIELD_OF = {
    "name_required": "name",
    "url_https": "url",
    "event_required": "events",
    "bad_event": "events",
    "scope_missing": "events",
    "bad_scope": "scopes",
    "key_unusable": "key",
    "where_required": "where",
}


def _communities() -> list[Community]:
    ids = allowed_ids(Permission.MANAGE_API_KEYS)
    return list(get_session().scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.id)))


def _keys() -> list[ApiKey]:
    """The usable keys this administrator may tie a webhook to (their communities' and regions' keys)."""
    found = keys_core.keys_for(
        get_session(), allowed_ids(Permission.MANAGE_API_KEYS), frozenset(r.id for r in _regions())
    )
    return [k for k in found if keys_core.is_usable(k)]


def _render(form: dict[str, Any], errors: dict[str, str], made: Any = None, status: int = 200) -> Any:
    return (
        render_template(
            "staff/webhooks.html",
            webhooks=hooks.webhooks_of(get_session(), allowed_ids(Permission.MANAGE_API_KEYS)),
            communities=_communities(),
            keys=_keys(),
            event_words=EVENT_WORDS,
            scope_words={s: w for s, w in SCOPE_WORDS.items() if s.value in OWN_SCOPES},
            form=form,
            errors={k: str(ERRORS[v]) for k, v in errors.items()},
            made=made,
        ),
        status,
    )


def _blank() -> dict[str, Any]:
    return {"events": [], "scopes": [], "key": ""}


@bp.get("/webhooks")
@require(Permission.MANAGE_API_KEYS)
def webhooks() -> ResponseReturnValue:
    return _render(_blank(), {})


@bp.post("/webhooks")
@require(Permission.MANAGE_API_KEYS)
def webhook_add() -> ResponseReturnValue:
    form: dict[str, Any] = {
        "name": request.form.get("name", "").strip()[:200],
        "url": request.form.get("url", "").strip()[:600],
        "where": request.form.get("where", ""),
        "events": request.form.getlist("events"),
        "key": request.form.get("key", ""),
        "scopes": request.form.getlist("scopes"),
    }
    community_id = small_int(form["where"], MAX_ID)
    if community_id is None or community_id not in allowed_ids(Permission.MANAGE_API_KEYS):
        return _render(form, {"where": "where_required"}, status=400)
    key = None
    if form["key"]:
        key_id = small_int(form["key"], MAX_ID)
        key = next((k for k in _keys() if k.id == key_id), None)
        if key is None:
            return _render(form, {"key": "key_unusable"}, status=400)
    try:
        made = hooks.register(
            get_session(),
            current_actor(),
            vault(),
            community_id,
            form["name"],
            form["url"],
            form["events"],
            api_key=key,
            scopes=form["scopes"],
            loopback_http=current_app.config["LINLI"].webhooks_may_use_loopback_http,
        )
    except WebhookError as exc:
        return _render(form, {FIELD_OF.get(exc.reason, "name"): exc.reason}, status=400)
    flash(_("The webhook is registered. Copy its secret now: it is shown only this once."), "success")
    return _render(_blank(), {}, made=made, status=201)


@bp.post("/webhooks/<int:webhook_id>/disable")
@require(Permission.MANAGE_API_KEYS)
def webhook_disable(webhook_id: int) -> ResponseReturnValue:
    hook = get_session().get(Webhook, webhook_id) if webhook_id <= MAX_ID else None
    if hook is None or hook.community_id not in allowed_ids(Permission.MANAGE_API_KEYS):
        deny(subject_type="webhook", subject_id=webhook_id if webhook_id <= MAX_ID else None)
        abort(404)
    hooks.disable(get_session(), current_actor(), hook)
    flash(_("The webhook is turned off: nothing more is sent to it."), "success")
    return redirect(url_for("staff.webhooks"), code=303)


@bp.get("/webhooks/log")
@require(Permission.MANAGE_API_KEYS)
def webhook_log() -> ResponseReturnValue:
    rows = delivery.recent(get_session(), allowed_ids(Permission.MANAGE_API_KEYS))
    return render_template(
        "staff/webhook_log.html",
        rows=rows,
        event_words=EVENT_WORDS,
        status_words=STATUS_WORDS,
        final_after=delivery.MAX_ATTEMPTS,
    )


@bp.post("/webhooks/log/<int:delivery_id>/replay")
@require(Permission.MANAGE_API_KEYS)
def webhook_replay(delivery_id: int) -> ResponseReturnValue:
    row = get_session().get(WebhookDelivery, delivery_id) if delivery_id <= MAX_ID else None
    if row is None or row.community_id not in allowed_ids(Permission.MANAGE_API_KEYS):
        deny(subject_type="webhook_delivery", subject_id=delivery_id if delivery_id <= MAX_ID else None)
        abort(404)
    delivery.replay(get_session(), current_actor(), row)
    flash(_("The event will be sent again, with the same event id."), "info")
    return redirect(url_for("staff.webhook_log"), code=303)
