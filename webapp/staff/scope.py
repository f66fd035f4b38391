"""Loading objects for a staff view only within the user's communities; anything else is a 404, audited."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from webapp.auth.policy import Permission, community_ids, deny
from webapp.infra.db import get_session
from webapp.models import Building, Resident


def allowed_ids(permission: Permission) -> frozenset[int]:
    return frozenset(community_ids(current_user.staff, permission))


def resident_or_404(resident_id: int, permission: Permission) -> Resident:
    resident = get_session().get(Resident, resident_id)
    if (
        resident is None
        or resident.erased_at is not None
        or resident.community_id not in allowed_ids(permission)
    ):
        deny(subject_type="resident", subject_id=resident_id, permission=permission.value)
        abort(404)
    return resident


def building_or_404(building_id: int, permission: Permission) -> Building:
    building = get_session().get(Building, building_id)
    if building is None or building.community_id not in allowed_ids(permission):
        deny(subject_type="building", subject_id=building_id, permission=permission.value)
        abort(404)
    return building
