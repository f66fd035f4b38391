"""The lobby kiosk face: large type, big targets, nothing personal kept."""

from kiosk import (  # noqa: F401  (their screens)
    family,
    help_calls,
    learn,
    life,
    life_events,
    practice,
    report,
    routes,
    tickets,
)
from kiosk.blueprint import bp

__all__ = ["bp"]
