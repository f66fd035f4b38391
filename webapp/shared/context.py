"""What a face needs from the request to call the core: the vault, the acting person, the base URL."""

from __future__ import annotations

from flask import current_app, g, request
from flask_login import current_user

from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor


def vault() -> Vault:
    found = current_app.extensions.get("linli_vault")
    if found is None:
        found = current_app.extensions["linli_vault"] = Vault.from_master(
            current_app.config["LINLI"].encryption_key
        )
    return found


def channel() -> str:
    kiosk_id = g.get("kiosk_id")
    return f"kiosk:{kiosk_id}" if kiosk_id else f"ip:{request.remote_addr or 'unknown'}"


def current_actor() -> Actor:
    """The signed-in staff member (with their roles' communities) or resident, as the core sees them."""
    user = current_user
    if user and user.is_authenticated and hasattr(user, "staff"):
        staff = user.staff
        roles = sorted({r.role.value for r in staff.roles})
        return Actor(
            type="staff",
            id=staff.id,
            name=staff.display_name,
            role=",".join(roles),
            channel=channel(),
            community_ids=frozenset(r.community_id for r in staff.roles),
        )
    if user and user.is_authenticated and hasattr(user, "resident"):
        resident = user.resident
        return Actor(
            type="resident",
            id=resident.id,
            name=None,
            channel=channel(),
            community_ids=frozenset({resident.community_id}),
        )
    return Actor(type="anonymous", channel=channel())


def base_url() -> str:
    return current_app.config["LINLI"].base_url
