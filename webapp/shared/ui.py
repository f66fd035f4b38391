"""Display preferences (language, text size, contrast) and helpers every template uses."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime
from markupsafe import Markup

from webapp.config import LOCALES
from webapp.domain.register.residents import masked_id_number, masked_phone
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.i18n import LOCALE_COOKIE
from webapp.shared.answers import answer_words
from webapp.shared.family import RELATION_CHOICES, SCOPE_CHOICES, ended_by_words, relation_words, scope_words
from webapp.shared.labels import (
    actor_words,
    category_label,
    channel_label,
    consent_label,
    event_words,
    nav_area_label,
    nav_label,
    status_label,
    unit_label,
)
from webapp.shared.messages import desk_error, desk_error_list
from webapp.shared.qr import qr_svg

PREFS_COOKIE = "linli_display"
TEXT_SIZES = (0, 1, 2)  # A, A+, A++
ONE_YEAR = 365 * 24 * 3600

bp = Blueprint("prefs", __name__)


@dataclass(frozen=True)
class DisplayPrefs:
    text_size: int = 0
    high_contrast: bool = False

    def cookie_value(self) -> str:
        return f"{self.text_size}{int(self.high_contrast)}"

    @classmethod
    def from_cookie(cls, value: str | None) -> DisplayPrefs:
        if not value or len(value) != 2 or not value.isdigit():
            return cls()
        size = int(value[0])
        return cls(text_size=size if size in TEXT_SIZES else 0, high_contrast=value[1] == "1")


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Return *target* only when it is a path on this site, so the switch cannot be an open redirect."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


@bp.post("/prefs")
def update() -> ResponseReturnValue:
    """Apply a language, text-size or contrast choice and go back where the person was."""
    prefs = DisplayPrefs.from_cookie(request.cookies.get(PREFS_COOKIE))
    size = request.form.get("text_size", "")
    if size.isdigit() and int(size) in TEXT_SIZES:
        prefs = DisplayPrefs(int(size), prefs.high_contrast)
    if "contrast" in request.form:
        prefs = DisplayPrefs(prefs.text_size, request.form["contrast"] == "1")
    response = redirect(safe_next(request.form.get("next"), url_for("resident.home")), code=303)
    response.set_cookie(
        PREFS_COOKIE,
        prefs.cookie_value(),
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    locale = request.form.get("locale")
    if locale in LOCALES:
        response.set_cookie(
            LOCALE_COOKIE,
            locale,
            max_age=ONE_YEAR,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        # A saved preference outranks the cookie, so the switch must update it too: the staff member's or the
        # resident's own, by the kind of person (a resident's id once wrote the staff account's locale).
        from webapp.auth.principals import PrincipalKind, current_principal

        principal = current_principal()
        if principal is not None and principal.kind is PrincipalKind.STAFF:
            from webapp.domain.identity.staff import set_preferred_locale

            set_preferred_locale(get_session(), principal.staff.id, locale)
        elif principal is not None and principal.kind is PrincipalKind.RESIDENT:
            from webapp.domain.register.residents import set_preferred_locale as set_resident_locale

            set_resident_locale(get_session().merge(principal.resident), locale)
        elif principal is not None and principal.kind is PrincipalKind.FAMILY:
            from webapp.domain.family.members import set_preferred_locale as set_family_locale

            set_family_locale(get_session().merge(principal.member), locale)
    return response


def form_error_list(form: Any) -> list[tuple[str, str]]:
    """(field id, first error) pairs for the error summary at the top of a form."""
    return [(f.id, f.errors[0]) for f in form if f.errors]


class StaticVersions:
    """Content hashes of static files, so URLs change when a file does and can be cached for a year."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, str] = {}
        self._urls: dict[tuple[str, str], str] = {}  # (script root, file): a page names 15 of them

    def url(self, filename: str) -> str:
        key = (request.script_root if request else "", filename)
        found = self._urls.get(key)
        if found is not None and not current_app.debug:
            return found
        version = self._cache.get(filename)
        if version is None or current_app.debug:
            digest = hashlib.sha256((self.root / filename).read_bytes()).hexdigest()[:10]
            version = self._cache[filename] = digest
        built = self._urls[key] = url_for("static", filename=filename, v=version)
        return built


def static_url(filename: str) -> str:
    """The templates' `static_url` for code that builds URLs outside a template (the service worker)."""
    versions: StaticVersions = current_app.extensions["linli_static_versions"]
    return versions.url(filename)


def init_app(app: Flask) -> None:
    from webapp.auth.principals import signed_in_resident  # the auth package imports this module's helpers

    versions = StaticVersions(Path(app.static_folder or "static"))
    app.extensions["linli_static_versions"] = versions
    app.register_blueprint(bp)

    @app.before_request
    def _load_prefs() -> None:
        g.display = DisplayPrefs.from_cookie(request.cookies.get(PREFS_COOKIE))

    # Globals (not a context processor) so that imported macros see them too.
    app.jinja_env.globals.update(
        now=clock.now,
        format_date=format_date,
        format_datetime=format_datetime,
        form_error_list=form_error_list,
        static_url=versions.url,
        qr_svg=lambda data, label: Markup(qr_svg(data, label)),  # noqa: S704 (our own SVG, escaped)
        signed_in_resident=signed_in_resident,  # a resident signed in on this phone, by the principal's kind
        masked_id=masked_id_number,
        masked_phone=masked_phone,
        consent_label=consent_label,
        status_label=status_label,
        category_label=category_label,
        unit_label=unit_label,
        channel_label=channel_label,
        event_words=event_words,
        actor_words=actor_words,
        nav_area_label=nav_area_label,
        nav_label=nav_label,
        desk_error=desk_error,
        desk_error_list=desk_error_list,
        answer_words=answer_words,
        relation_words=relation_words,
        ended_by_words=ended_by_words,
        relation_choices=RELATION_CHOICES,
        scope_choices=SCOPE_CHOICES,
        scope_words=scope_words,
    )

    @app.context_processor
    def _ui_context() -> dict[str, object]:
        return {
            "display": g.get("display", DisplayPrefs()),
            "here": request.full_path.rstrip("?") if request else "/",
        }
