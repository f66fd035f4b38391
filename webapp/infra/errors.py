"""Translated error pages in the face the person was using; never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import OperationalError
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
# The database could not do it now: SQLite's write lock still taken when the busy timeout ran out (a burst of
# writers on one box), a PostgreSQL deadlock or lock wait that was given up, or no database server answering.
# Nothing was written (the unit of work rolls back), the person did nothing wrong, and trying again shortly
# will usually work: a 503 with Retry-After says exactly that, and a phone's outbox keeps the entry meanwhile.
BUSY_RETRY_SECONDS = 5
BUSY_MESSAGE = (
    _l("Please try again in a moment"),
    _l("The system could not finish this just now, and nothing was saved. Please try again in a minute."),
)
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
        try:
            words = (str(title), str(message))
        except Exception:  # noqa: BLE001 (a lazy string whose locale needs what failed: say it in English)
            words = (getattr(title, "_args", [""])[0] or "Error", getattr(message, "_args", [""])[0] or "")
        heading, text = escape(words[0]), escape(words[1])
        page = f"<!doctype html><title>{heading}</title><h1>{heading}</h1><p>{text}</p>"
    return page, code


def wants_json_error() -> bool:
    """A script sent JSON (or asks only for JSON): it gets a JSON error it can show, not an HTML page."""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def json_error(code: int, title: object, message: object) -> ResponseReturnValue:
    """`message` is what a kiosk shows and reads aloud: the title and the words as one text, joined with the
    full stop of the language ("请稍后再试。系统…", not "请稍后再试. 系统…")."""
    from webapp.infra.i18n import current_locale

    stop = "。" if current_locale().startswith("zh") else ". "
    return jsonify(ok=False, error=str(title), message=f"{title}{stop}{message}"), code


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


# What makes an OperationalError "not now" rather than a bug: SQLite's lock and file messages, PostgreSQL's
# connection classes (08, 57P0x, 53300) and the transaction conflicts it gives up on (40001, 40P01, 55P03).
# Anything else (SQLite's "no such table" or a syntax error) is a defect: a 500 with its stack trace logged.
SQLITE_NOT_NOW = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
)
POSTGRES_NOT_NOW = ("08", "57P01", "57P02", "57P03", "53300", "40001", "40P01", "55P03")


def database_not_now(error: OperationalError) -> bool:
    """Did the database refuse for now (busy, unreachable, a conflict it gave up on) rather than for a bug?"""
    if error.connection_invalidated:
        return True
    state = getattr(error.orig, "sqlstate", None)
    if state is not None:
        return str(state).startswith(POSTGRES_NOT_NOW)
    text = str(error.orig).lower()
    if text.startswith(SQLITE_NOT_NOW):
        return True
    # psycopg's refusals before a session exists (connection refused, no such host) carry no SQLSTATE
    return type(error.orig).__module__.startswith("psycopg") and "connection" in text


def _only_read_from_here() -> None:
    """End the request's failed transaction, and let the error page ask the database nothing it can do
    without: the language comes from the request (address, cookie, kiosk, browser), not from the signed-in
    person's saved choice, and the page is drawn as for someone signed out (loading the person would meet the
    same database). What the page still reads reads beside the writers, not behind SQLite's write lock."""
    from flask import current_app, g

    from webapp.infra.i18n import DEFAULT_TIMEZONE, locale_without_person

    g.locale_override = locale_without_person()
    g.timezone_override = DEFAULT_TIMEZONE  # (the page shows no times; the kiosk's zone may need a query)
    login_manager = getattr(current_app, "login_manager", None)
    if login_manager is not None:
        g._login_user = login_manager.anonymous_user()  # Flask-Login's per-request user
    session = g.get("db_session")
    if session is None:
        return
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 (a connection already gone: the page then reads nothing)
        log.warning("could not roll back after a database error", exc_info=True)
    session.info["linli_read_only"] = True
    g.linli_read_only = True


def busy_answer(error: OperationalError) -> Response:
    """The 503 for a database that cannot do it now, logged in one line: the database's own first line
    ("database is locked", "deadlock detected", "connection refused"), what operations need, without the
    statement or its parameters, and not dressed up as a bug."""
    from flask import make_response

    text = str(error.orig if error.orig is not None else error)
    reason = text.splitlines()[0] if text else type(error).__name__
    log.error("database unavailable in %s %s: %s", request.method, request.endpoint, reason)
    _only_read_from_here()  # the error page must not queue for the lock again
    answer = make_response(answer_error(503, *BUSY_MESSAGE))
    answer.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return answer


def turn_into_busy(response: Response, error: OperationalError) -> Response:
    """The commit failed after the view answered: the answer becomes the 503 in place, keeping the headers
    the other hooks set (the security policy), never stored by a cache, no longer a redirect."""
    busy = busy_answer(error)
    response.direct_passthrough = False
    response.set_data(busy.get_data())
    response.status_code = busy.status_code
    response.headers["Content-Type"] = busy.headers["Content-Type"]
    response.headers["Retry-After"] = busy.headers["Retry-After"]
    response.headers["Cache-Control"] = "no-store"
    for name in ("Location", "ETag", "Last-Modified"):
        response.headers.pop(name, None)
    return response


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

    @app.errorhandler(OperationalError)
    def _database_busy(error: OperationalError) -> ResponseReturnValue:
        if not database_not_now(error):
            return _unexpected(error)
        return busy_answer(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        # The endpoint, not the path: a path may one day carry a card token.
        log.exception("unhandled error in %s %s", request.method, request.endpoint)
        face = _face_errors(app)
        if face is not None:
            return face(500, str(MESSAGES[500][0]), str(MESSAGES[500][1]))
        return render_error(500, *MESSAGES[InternalServerError.code])
