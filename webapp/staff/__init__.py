"""The staff console face: one blueprint, a module per area."""

from webapp.staff import account, audit_views, buildings, cards, importing, people, register, routes  # noqa: F401
from webapp.staff.blueprint import bp

__all__ = ["bp"]
