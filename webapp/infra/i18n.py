"""Locale selection: saved preference, then the language switch (cookie), then Accept-Language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel import dates as babel_dates
from babel.lists import format_list
from flask import Flask, current_app, g, request
from flask_babel import format_date, format_datetime, get_locale, get_timezone, get_translations
from markupsafe import Markup

from webapp.config import LOCALES, ROOT
from webapp.infra.extensions import babel

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


@dataclass(frozen=True)
class PersonLookup:
    """How the signed-in person's saved language and home time zone are found. `webapp.auth` knows the
    principals and sets these (`know_people`); infrastructure may not import it, and guessing the kind of
    person by attribute once wrote a resident's language onto a staff account. Anonymous until set."""

    locale: Callable[[], str | None] = lambda: None
    timezone: Callable[[], str | None] = lambda: None


PERSON = "linli_person"


def know_people(app: Flask, lookup: PersonLookup) -> None:
    app.extensions[PERSON] = lookup


def _person() -> PersonLookup:
    found: PersonLookup = current_app.extensions.get(PERSON) or PersonLookup()
    return found


def select_locale() -> str:
    if "locale_override" in g:
        return g.locale_override
    explicit = request.args.get("lang")  # the app's start URL and offline pages name their language
    if explicit in LOCALES:
        return explicit
    saved = _person().locale()
    if saved in LOCALES:
        return saved
    return locale_without_person()


def locale_without_person() -> str:
    """The language the request asks for without looking up who is signed in (no database): the address,
    the cookie, the kiosk's own, the browser's, the default. An error page about the database uses this."""
    explicit = request.args.get("lang")
    if explicit in LOCALES:
        return explicit
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return cookie
    if "kiosk_locale" in g:  # a kiosk speaks its own language, not its browser's, until someone chooses
        return g.kiosk_locale
    ranked = sorted(request.accept_languages, key=lambda item: -item[1])
    return locale_from_accept_language(ranked) or request_default_locale()


DEFAULT_TIMEZONE = "Asia/Shanghai"


def select_timezone() -> str:
    """Times are shown in the community's time zone: the kiosk's, the resident's, or the default."""
    if "timezone_override" in g:
        return str(g.timezone_override)
    kiosk = g.get("kiosk")
    if kiosk is not None:
        return str(kiosk.community.timezone)
    return _person().timezone() or DEFAULT_TIMEZONE


def request_default_locale() -> str:
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
    from webapp.infra import locale_data

    locale_data.slim()  # now, while the process is small (issue 21)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["LINLI"].default_locale
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    app.config["BABEL_DEFAULT_TIMEZONE"] = DEFAULT_TIMEZONE
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Globals, so that imported macros see them too.
    app.jinja_env.globals.update(
        day_words=day_words,
        short_day_words=short_day_words,
        time_words=time_words,
        when_words=when_words,
        list_words=list_words,
    )

    @app.context_processor
    def _locale_context() -> dict[str, object]:
        locale = current_locale()
        return {
            **template_gettext(),
            **template_dates(locale),
            "current_locale": locale,
            "html_lang": HTML_LANG[locale],
            "language_names": LANGUAGE_NAMES,
            "locales": LOCALES,
        }


def template_gettext() -> dict[str, Callable[..., str]]:
    """`_()`, `gettext()` and `ngettext()` for one render, bound to the translations of this moment.

    Flask-Babel's own template callables look the request's translations up again on every call (a chain of
    context-local lookups), and Jinja gives every call of a context-taking function inside a loop a copy of
    the whole context: a queue page's 600 calls of `_()` were a third of its render. These take no context
    and behave like Jinja's "newstyle" gettext in an HTML template (the words are markup-safe, the values
    escaped, the string always %-formatted). Every template rendered through Flask escapes (only the service
    worker's script does not, and it has no words). They are fetched when the render starts, so a render
    inside `force_locale` still speaks the forced language; macros imported without context use Flask-Babel's
    globals, which give the same words."""
    translations = get_translations()
    lookup, plural = translations.ugettext, translations.ungettext

    def gettext(string: str, /, **variables: Any) -> str:
        return Markup(lookup(string)) % variables  # noqa: S704 (our catalogue, as Jinja does; values escaped)

    def ngettext(singular: str, plural_form: str, num: int, /, **variables: Any) -> str:
        variables.setdefault("num", num)
        return Markup(plural(singular, plural_form, num)) % variables  # noqa: S704 (as above)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


# Dates and times as each language writes them (12月7日 星期一 上午9:00; Mon 7 Dec, 9:00 am), in the
# community's time zone (Flask-Babel's timezone). Numeric forms like 12/7 are read as July in half the world
# and are hard for older readers; every page a resident reads uses these three.
DATE_PATTERNS = {
    "zh": {"day": "M月d日 EEEE", "time": "ah:mm", "when": "M月d日 EEEE ah:mm", "short": "M月d日"},
    "en": {"day": "EEE d MMM", "time": "h:mm a", "when": "EEE d MMM, h:mm a", "short": "d MMM"},
}


def _pattern(kind: str) -> str:
    return DATE_PATTERNS["en" if current_locale() == "en" else "zh"][kind]


def _english_hours(text: str) -> str:
    return text.replace(" AM", " am").replace(" PM", " pm") if current_locale() == "en" else text


def day_words(value: date | datetime) -> str:
    """12月7日 星期一 / Mon 7 Dec."""
    if isinstance(value, datetime):
        return format_datetime(value, _pattern("day"))
    return format_date(value, _pattern("day"))


def short_day_words(value: date | datetime) -> str:
    """12月7日 / 7 Dec: for lists where the weekday stands elsewhere."""
    if isinstance(value, datetime):
        return format_datetime(value, _pattern("short"))
    return format_date(value, _pattern("short"))


def time_words(value: datetime) -> str:
    """上午9:00 / 9:00 am."""
    return _english_hours(format_datetime(value, _pattern("time")))


def when_words(value: datetime) -> str:
    """12月7日 星期一 上午9:00 / Mon 7 Dec, 9:00 am: an appointment, a class, an event."""
    return _english_hours(format_datetime(value, _pattern("when")))


def list_words(items: list[str]) -> str:
    """Names in a list as the language writes one: 老李、小王和红 / Li, Wang, and Hong."""
    return format_list([str(item) for item in items], locale=get_locale() or "zh_Hans")


def template_dates(locale_code: str) -> dict[str, Callable[..., str]]:
    """The four date helpers for one render, bound to its language and time zone.

    The globals above ask Flask-Babel for the language and time zone on every call, fourteen context-local
    lookups each: a queue page's fifty deadlines took 3-6 ms that way. These give the same words (Babel's
    own formatting, as Flask-Babel calls it); like `template_gettext` they are bound when the render starts,
    and macros imported without context keep the globals."""
    locale, zone = get_locale(), get_timezone()
    patterns = DATE_PATTERNS["en" if locale_code == "en" else "zh"]
    english = locale_code == "en"

    def words(value: date | datetime, kind: str) -> str:
        if isinstance(value, datetime):
            return babel_dates.format_datetime(value, patterns[kind], tzinfo=zone, locale=locale)
        return babel_dates.format_date(value, patterns[kind], locale=locale)

    def hours(text: str) -> str:
        return text.replace(" AM", " am").replace(" PM", " pm") if english else text

    return {
        "day_words": lambda value: words(value, "day"),
        "short_day_words": lambda value: words(value, "short"),
        "time_words": lambda value: hours(words(value, "time")),
        "when_words": lambda value: hours(words(value, "when")),
    }
