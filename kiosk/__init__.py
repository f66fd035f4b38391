"""The lobby kiosk face: large type, big targets, nothing personal kept."""

from kiosk import learn, life, life_events, practice, report, requests  # noqa: F401  (register their screens on the blueprint)
from kiosk.routes import bp

__all__ = ["bp"]
