"""Every permission decision in one module: which role may do what, in which community."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from webapp.models import Role, StaffUser

F = TypeVar("F", bound=Callable[..., Any])


class Permission(enum.StrEnum):
    CONSOLE = "console"  # open the staff console at all
    VIEW_COMMUNITY = "view_community"  # aggregate figures of a community
    VIEW_KIOSKS = "view_kiosks"


GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.CONSOLE: frozenset(Role),
    Permission.VIEW_COMMUNITY: frozenset({Role.ADMIN, Role.COMMUNITY_WORKER, Role.PROPERTY_MANAGER}),
    Permission.VIEW_KIOSKS: frozenset({Role.ADMIN, Role.COMMUNITY_WORKER}),
}


def community_ids(user: StaffUser, permission: Permission) -> set[int]:
    """The communities in which *user* holds a role that grants *permission*; queries scope to these."""
    if not user.is_active:
        return set()
    allowed = GRANTS[permission]
    return {r.community_id for r in user.roles if r.role in allowed}


def can(user: StaffUser, permission: Permission, community_id: int | None = None) -> bool:
    ids = community_ids(user, permission)
    return bool(ids) if community_id is None else community_id in ids


def require(permission: Permission) -> Callable[[F], F]:
    """Decorate a staff view: signed-in staff holding *permission* somewhere, else 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from webapp.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user.staff, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
