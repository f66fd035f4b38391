"""Security headers, CSRF and cache rules applied to every response."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask, Response, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user

from webapp.infra.extensions import csrf

# No inline script, no inline style attributes, nothing from another origin.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        # Read-aloud plays the server's espeak-ng recording from a blob: URL (fetched by POST, so a screen's
        # words never sit in a URL or a log); without this Chromium refuses to play it: the kiosk was silent.
        "media-src 'self' blob:",
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


def background(view: Any) -> Any:
    """Mark a view the page calls by itself (heartbeat, keep-alive): its response never rewrites the session.

    A heartbeat that started before a scan would otherwise answer after it with the old cookie and wipe the
    new kiosk visit (seen in CI: the scan succeeded, then the next page sent the person back).
    """
    view.linli_background = True
    return view


class QuietSession(SecureCookieSession):
    """A cookie session that remembers what it arrived with."""

    def __init__(self, initial: Any = None) -> None:
        super().__init__(initial)
        self.arrived_with = copy.deepcopy(dict(self))


class QuietSessionInterface(SecureCookieSessionInterface):
    """Send the session cookie only when the request changed what is in it.

    A response carrying the session it was sent with is harmless alone, but responses overtake each other:
    a picture or script requested before a card scan that answers after it puts the old cookie back and wipes
    the new visit (seen on the kiosk, where the service worker fetches its files while the resident scans; the
    same would sign a resident out just after the PIN on a phone). Flask-Login touches every non-empty
    anonymous session ("strong" protection pops its keys and marks it modified): "modified" says nothing.
    """

    session_class = QuietSession

    def save_session(self, app: Flask, session: SecureCookieSession, response: Response) -> None:  # type: ignore[override]
        unchanged = isinstance(session, QuietSession) and dict(session) == session.arrived_with
        # An emptied session must still delete a cookie that could not be read (a rotated key, say).
        stale_cookie = not session and request.cookies.get(self.get_cookie_name(app)) is not None
        if session.modified and unchanged and not stale_cookie:
            session.modified = False
        super().save_session(app, session, response)


def is_personal_request() -> bool:
    """A response is personal when someone is signed in or it is part of the staff console."""
    if request.path.startswith(("/staff", "/c", "/h/", "/me")) or g.get("visit") is not None:
        return True
    return bool(current_user and current_user.is_authenticated)


def _secure_every_cookie(response: Response) -> None:
    """LINLI_SECURE_COOKIES covers every cookie, including one a future view sets and forgets to mark.

    Behind a TLS proxy the app sees plain HTTP, so `request.is_secure` cannot decide (issue 14: the kiosk's
    device cookie went out without Secure).
    """
    cookies = response.headers.getlist("Set-Cookie")
    if all("; Secure" in c for c in cookies):
        return
    del response.headers["Set-Cookie"]
    for cookie in cookies:
        response.headers.add("Set-Cookie", cookie if "; Secure" in cookie else cookie + "; Secure")


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.session_interface = QuietSessionInterface()

    # Registered before Flask-Login's hook, so it runs after it (Flask runs these in reverse): the last word.
    @app.after_request
    def _headers(response: Response) -> Response:
        if getattr(app.view_functions.get(request.endpoint or ""), "linli_background", False):
            session.modified = False
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            _secure_every_cookie(response)
        if request.endpoint == "static":
            if "v" in request.args:
                response.cache_control.max_age = 365 * 24 * 3600
                response.cache_control.public = True
                response.cache_control.immutable = True
        elif is_personal_request() and not response.cache_control.public:
            # (A view that marks its answer public, like a lesson's recording, holds nothing personal.)
            # Shared devices: nothing personal may be kept by a browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        elif response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-cache")
        response.vary.add("Cookie")
        return response
