"""Translated error pages in the face the person was using; never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("We could not understand that request"), _l("Please go back and try again.")),
    403: (_l("This page is not for you"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has moved.")),
    405: (_l("That did not work"), _l("This page cannot be used that way.")),
    413: (_l("That file is too large"), _l("Please choose a smaller file and try again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("Please try again in a moment. Nothing you did caused this."),
    ),
}
CSRF_MESSAGE = (
    _l("This form has expired"),
    _l("For your safety the form was reset. Please go back, reload the page and send it again."),
)


def layout_for_path(path: str) -> str:
    if path.startswith("/kiosk"):
        return "layouts/kiosk.html"
    if path.startswith("/staff"):
        return "layouts/staff.html"
    return "layouts/phone.html"


def render_error(code: int, title: object, message: object) -> ResponseReturnValue:
    from webapp.infra.page_cache import full_request

    try:
        full_request()  # a request that skipped part of its set-up for a kept copy: the page reads all of it
    except Exception:
        log.exception("the request's set-up could not be finished for its error page")
    try:
        page = render_template(
            "errors/error.html", code=code, title=title, message=message, layout=layout_for_path(request.path)
        )
    except Exception:
        # The error page itself failed (a broken template, no database): still no stack trace.
        log.exception("error page failed to render")
        page = (
            f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p>"
        )
    return page, code


def wants_json_error() -> bool:
    """A script sent JSON (or asks only for JSON): it gets a JSON error it can show, not an HTML page."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def json_error(code: int, title: object, message: object) -> ResponseReturnValue:
    return jsonify(ok=False, error=str(title), message=f"{title}. {message}"), code


FaceErrors = Callable[[int, str, str], ResponseReturnValue]


def errors_under(app: Flask, prefix: str, answer: FaceErrors) -> None:
    """Let a face that is not a page (the API) answer its own errors in its own shape, for every address
    under *prefix*, including addresses that match no route (a 404 never reaches the face's blueprint)."""
    app.extensions.setdefault("linli_face_errors", []).append((prefix, answer))


def _face_errors(app: Flask) -> FaceErrors | None:
    for prefix, answer in app.extensions.get("linli_face_errors", []):
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return answer
    return None


def answer_error(code: int, title: object, message: object) -> ResponseReturnValue:
    """An error in the shape its caller reads: the face's own (the API's problem details, Open311's list),
    else JSON for a script, else a page in the face's layout."""
    from flask import current_app

    face = _face_errors(current_app)
    if face is not None:
        return face(code, str(title), str(message))
    if wants_json_error():
        return json_error(code, title, message)
    return render_error(code, title, message)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> ResponseReturnValue:
        from flask import make_response

        answer = make_response(
            json_error(400, *CSRF_MESSAGE) if wants_json_error() else render_error(400, *CSRF_MESSAGE)
        )
        # The same in every language, for scripts and tests: this request never reached its view.
        answer.headers["X-Linli-Refused"] = "csrf"
        return answer

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if code < 400:
            return error
        title, message = MESSAGES.get(code, MESSAGES[400 if code < 500 else 500])
        return answer_error(code, title, message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        # The endpoint, not the path: a path may one day carry a card token.
        log.exception("unhandled error in %s %s", request.method, request.endpoint)
        face = _face_errors(app)
        if face is not None:
            return face(500, str(MESSAGES[500][0]), str(MESSAGES[500][1]))
        return render_error(500, *MESSAGES[InternalServerError.code])
