"""Security headers, CSRF and cache rules applied to every response."""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_login import current_user

from webapp.extensions import csrf

# No inline script, no inline style attributes, nothing from another origin.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), microphone=(), payment=(), usb=()",
}


def is_personal_request() -> bool:
    """A response is personal when someone is signed in or it is part of the staff console."""
    if request.path.startswith(("/staff", "/c", "/h/", "/me")) or g.get("visit") is not None:
        return True
    return bool(current_user and current_user.is_authenticated)


def init_app(app: Flask) -> None:
    csrf.init_app(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint == "static":
            if "v" in request.args:
                response.cache_control.max_age = 365 * 24 * 3600
                response.cache_control.public = True
                response.cache_control.immutable = True
        elif is_personal_request():
            # Shared devices: nothing personal may be kept by a browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        elif response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-cache")
        response.vary.add("Cookie")
        return response
