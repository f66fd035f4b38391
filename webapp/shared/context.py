"""What a face needs from the request to call the core: the vault, the acting person, the base URL."""

from __future__ import annotations

from flask import current_app, g, request

from webapp.auth.principals import PrincipalKind, current_principal
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import FAMILY, Actor


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
    principal = current_principal()
    if principal is None:
        return Actor(type="anonymous", channel=channel())
    if principal.kind is PrincipalKind.STAFF:
        staff = principal.staff
        roles = sorted({r.role.value for r in staff.roles})
        return Actor(
            type="staff",
            id=staff.id,
            name=staff.display_name,
            role=",".join(roles),
            channel=channel(),
            community_ids=frozenset(r.community_id for r in staff.roles),
        )
    if principal.kind is PrincipalKind.FAMILY:
        # In their own name a family member does nothing but sign in and out; for a resident they act as
        # `family_actor(link)` (webapp.domain.family.links), which names the resident they act for.
        return Actor(type=FAMILY, id=principal.member.id, channel=channel())
    resident = principal.resident
    return Actor(
        type="resident",
        id=resident.id,
        name=None,
        channel=channel(),
        community_ids=frozenset({resident.community_id}),
    )


def base_url() -> str:
    return current_app.config["LINLI"].base_url
