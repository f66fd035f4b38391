"""The lobby kiosk face: large type, big targets, nothing personal kept."""

from kiosk import help_calls, learn, life, life_events, practice, report, routes, tickets  # noqa: F401  (their screens)
from kiosk.blueprint import bp

__all__ = ["bp"]
