"""Locale selection: saved preference, then the language switch (cookie), then Accept-Language."""

from __future__ import annotations

from flask import Flask, g, request
from flask_babel import get_locale
from flask_login import current_user

from webapp import ROOT
from webapp.config import LOCALES
from webapp.extensions import babel

LOCALE_COOKIE = "linli_locale"

# Endonyms: each language is named in itself, so that a person can find their own.
LANGUAGE_NAMES = {"zh_Hans": "中文简体", "zh_Hant": "中文繁體", "en": "English"}
HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}

_TRADITIONAL_REGIONS = {"tw", "hk", "mo", "hant"}


def locale_from_accept_language(header_values: list[tuple[str, float]]) -> str | None:
    """Map an Accept-Language list (best first) to one of our locales, or None."""
    for tag, _quality in header_values:
        parts = tag.replace("_", "-").lower().split("-")
        if parts[0] == "zh":
            if "hans" in parts:  # an explicit script outranks the region (zh-Hans-HK)
                return "zh_Hans"
            return "zh_Hant" if _TRADITIONAL_REGIONS.intersection(parts[1:]) else "zh_Hans"
        if parts[0] == "en":
            return "en"
    return None


def select_locale() -> str:
    if "locale_override" in g:
        return g.locale_override
    explicit = request.args.get("lang")  # the app's start URL and offline pages name their language
    if explicit in LOCALES:
        return explicit
    saved = getattr(current_user, "preferred_locale", None) if current_user else None
    if saved in LOCALES:
        return saved
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return cookie
    ranked = sorted(request.accept_languages, key=lambda item: -item[1])
    return locale_from_accept_language(ranked) or request_default_locale()


def request_default_locale() -> str:
    from flask import current_app

    return current_app.config["LINLI"].default_locale


def current_locale() -> str:
    """Our locale code (zh_Hans, zh_Hant, en) for the current request."""
    locale = get_locale()
    if locale is None:
        return request_default_locale()
    if locale.language == "zh":
        return "zh_Hant" if locale.script == "Hant" else "zh_Hans"
    return "en"


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["LINLI"].default_locale
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _locale_context() -> dict[str, object]:
        locale = current_locale()
        return {
            "current_locale": locale,
            "html_lang": HTML_LANG[locale],
            "language_names": LANGUAGE_NAMES,
            "locales": LOCALES,
        }
