"""API keys in the console: an administrator names a key, chooses where it reaches (their community, or a
region for a district administrator), its scopes and expiry; the secret is shown once, then only its first
characters. Revoking stops it at once. Making and revoking are audited (`domain/identity/api_keys.py`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webapp.auth.policy import Permission, deny, require
from webapp.auth.principals import the_staff
from webapp.domain.identity import api_keys as keys_core
from webapp.domain.identity.api_keys import ApiKeyError, Scope
from webapp.domain.identity.reach import region_ids_under
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.numbers import MAX_ID
from webapp.models import ApiKey, Community, Region, Role
from webapp.shared.context import current_actor
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids

SCOPE_WORDS = {
    Scope.READ_CATALOG: _l("Read the community and its services"),
    Scope.READ_TICKETS: _l("Read tickets (no names or phones)"),
    Scope.WRITE_TICKETS: _l("File tickets, change their status, add public notes"),
    Scope.READ_FLATS: _l("See which building and place a ticket is about"),
    Scope.READ_BOOKINGS: _l("Read appointment slots and appointments"),
    Scope.PUBLISH_NOTICES: _l("Publish notices"),
    Scope.READ_LIFE: _l("Read notices, events, classes and the local directory"),
    Scope.READ_FIGURES: _l("Read the desk's figures"),
}
EXPIRY_DAYS = {"30": 30, "90": 90, "365": 365, "never": None}
ERRORS = {
    "name_required": _l("Give the key a name of up to 80 characters (which system uses it)."),
    "scope_required": _l("Choose at least one thing the key may do."),
    "bad_scope": _l("Choose only from the list."),
    "where_required": _l("Choose where the key reaches."),
    "expiry": _l("Choose when the key stops working."),
}


def _regions() -> list[Region]:
    staff = the_staff()
    own = {r.region_id for r in staff.region_roles if r.role == Role.DISTRICT_ADMIN}
    ids = region_ids_under(get_session(), own) if own else set()
    return (
        list(get_session().scalars(select(Region).where(Region.id.in_(ids)).order_by(Region.id)))
        if ids
        else []
    )


def _places() -> list[tuple[str, str]]:
    """Where a key may reach for this admin: (value, words) for their communities and their regions."""
    ids = allowed_ids(Permission.MANAGE_API_KEYS)
    communities = get_session().scalars(select(Community).where(Community.id.in_(ids)).order_by(Community.id))
    places = [(f"community:{c.id}", c.names.get("zh_Hans", c.slug)) for c in communities]
    places += [
        (f"region:{r.id}", _("Region: %(name)s", name=r.names.get("zh_Hans", r.code))) for r in _regions()
    ]
    return places


def _render(form: dict[str, Any], errors: dict[str, str], made: str | None = None, status: int = 200) -> Any:
    keys = keys_core.keys_for(
        get_session(), allowed_ids(Permission.MANAGE_API_KEYS), frozenset(r.id for r in _regions())
    )
    return (
        render_template(
            "staff/api_keys.html",
            keys=keys,
            places=_places(),
            scope_words=SCOPE_WORDS,
            form=form,
            errors={k: str(ERRORS.get(v, ERRORS["expiry"])) for k, v in errors.items()},
            made=made,
            now=clock.now(),
            place_names=dict(_places()),
        ),
        status,
    )


@bp.get("/api-keys")
@require(Permission.MANAGE_API_KEYS)
def api_keys() -> ResponseReturnValue:
    return _render({"expiry": "365", "scopes": []}, {})


@bp.post("/api-keys")
@require(Permission.MANAGE_API_KEYS)
def api_key_make() -> ResponseReturnValue:
    form: dict[str, Any] = {
        "name": request.form.get("name", "").strip(),
        "where": request.form.get("where", ""),
        "scopes": request.form.getlist("scopes"),
        "expiry": request.form.get("expiry", ""),
    }
    errors: dict[str, str] = {}
    community_id = region_id = None
    if form["where"] not in dict(_places()):
        errors["where"] = "where_required"
    else:
        kind, _sep, number = form["where"].partition(":")
        community_id, region_id = (int(number), None) if kind == "community" else (None, int(number))
    if form["expiry"] not in EXPIRY_DAYS:
        errors["expiry"] = "expiry"
    if errors:
        return _render(form, errors, status=400)
    days = EXPIRY_DAYS[form["expiry"]]
    try:
        made = keys_core.make_key(
            get_session(),
            current_actor(),
            form["name"],
            form["scopes"],
            community_id=community_id,
            region_id=region_id,
            expires_at=clock.now() + timedelta(days=days) if days else None,
        )
    except ApiKeyError as exc:
        field = {"name_required": "name", "scope_required": "scopes", "bad_scope": "scopes"}.get(
            exc.reason, "where"
        )
        return _render(form, {field: exc.reason}, status=400)
    flash(_("The key is made. Copy it now: it is shown only this once."), "success")
    return _render({"expiry": "365", "scopes": []}, {}, made=made.secret, status=201)


@bp.post("/api-keys/<int:key_id>/revoke")
@require(Permission.MANAGE_API_KEYS)
def api_key_revoke(key_id: int) -> ResponseReturnValue:
    key = get_session().get(ApiKey, key_id) if key_id <= MAX_ID else None
    regions = {r.id for r in _regions()}
    if key is None or not (
        key.community_id in allowed_ids(Permission.MANAGE_API_KEYS) or key.region_id in regions
    ):
        deny(subject_type="api_key", subject_id=key_id if key_id <= MAX_ID else None)
        abort(404)
    keys_core.revoke(get_session(), current_actor(), key)
    flash(_("The key is revoked: it no longer works."), "success")
    return redirect(url_for("staff.api_keys"))
