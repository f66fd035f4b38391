"""Typed SQLAlchemy models, one module per domain; importing this package registers them all."""

from webapp.models.community import Building, Community, Household, Kiosk, Region, RegionLevel
from webapp.models.people import Resident, Role, StaffRole, StaffUser

__all__ = [
    "Building",
    "Community",
    "Household",
    "Kiosk",
    "Region",
    "RegionLevel",
    "Resident",
    "Role",
    "StaffRole",
    "StaffUser",
]
