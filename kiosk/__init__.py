"""The lobby kiosk face: large type, big targets, nothing personal kept."""

from kiosk import report  # noqa: F401  (registers the report screens on the blueprint)
from kiosk.routes import bp

__all__ = ["bp"]
