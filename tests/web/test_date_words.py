"""Templates get date helpers bound once per render (issue 21): they must say exactly what the globals say, in
every language, for aware, naive and foreign-zone times and for plain dates, and follow a forced language."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from webapp.infra import i18n

NAMES = ("day_words", "short_day_words", "time_words", "when_words")


def sample() -> list[date | datetime]:
    rng = random.Random(3)
    aware = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 10**6)) for _ in range(60)]
    return [
        *aware,
        *(v.replace(tzinfo=None) for v in aware[:10]),
        *(v.astimezone(ZoneInfo("America/New_York")) for v in aware[:10]),
        *(v.date() for v in aware[:10]),
    ]


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
def test_the_bound_date_words_are_the_globals_words(app, lang):
    with app.test_request_context(f"/?lang={lang}"):
        bound = i18n.template_dates(i18n.current_locale())
        compared = 0
        for value in sample():
            for name in NAMES:
                if name in ("time_words", "when_words") and not isinstance(value, datetime):
                    continue
                assert bound[name](value) == getattr(i18n, name)(value), (name, value)
                compared += 1
    assert compared == 340  # 80 times of each of the four helpers, 10 dates of two


def test_a_render_under_a_forced_language_speaks_it(app):
    moment = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 9:00 in Shanghai, a Monday
    with app.test_request_context("/?lang=zh_Hans"), force_locale("en"):
        assert i18n.template_dates(i18n.current_locale())["when_words"](moment) == "Mon 7 Dec, 9:00 am"
    with app.test_request_context("/?lang=zh_Hans"):
        assert i18n.template_dates(i18n.current_locale())["when_words"](moment) == "12月7日 星期一 上午9:00"
