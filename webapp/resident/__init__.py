"""The resident face on phones."""

from webapp.resident import account, requests, routes, tickets  # noqa: F401
from webapp.resident.blueprint import bp

__all__ = ["bp"]
