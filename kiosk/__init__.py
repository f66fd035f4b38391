"""The lobby kiosk face: large type, big targets, nothing personal kept."""

from kiosk.routes import bp

__all__ = ["bp"]
