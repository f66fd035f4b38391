"""Babel's data kept to what the pages read (issue 21, a worker's memory): the same words as whole Babel, far
less memory, and anything left out still answered, from data loaded whole when first asked for.

The comparisons run in fresh processes, one with Babel as it comes and one slimmed, so that neither this test
process's Babel state nor the order of the tests decides what is compared.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import babel.core
import babel.localedata
import pytest

from webapp.infra import locale_data

ROOT = Path(__file__).resolve().parents[2]

# Every way the app formats with Babel (webapp/infra/i18n.py, webapp/shared/life.py, Flask-Babel's defaults),
# for each language, over hours, weekdays and months that exercise each pattern letter.
PAGES_FORMATTING = r"""
import json, os, sys, tracemalloc
from datetime import date, datetime
from zoneinfo import ZoneInfo
from babel import dates, lists
from webapp.config import LOCALES
from webapp.infra import i18n, locale_data
tracemalloc.start()
before = tracemalloc.get_traced_memory()[0]
if os.environ["SLIM"] == "1":
    locale_data.slim()
zone = ZoneInfo("Asia/Shanghai")
out = {}
for locale in LOCALES:
    patterns = i18n.DATE_PATTERNS["en" if locale == "en" else "zh"]
    words = []
    for month in (1, 6, 12):
        for day in range(1, 8):
            for hour in (0, 9, 12, 18, 23):
                when = datetime(2026, month, day, hour, 5, tzinfo=zone)
                for pattern in patterns.values():
                    words.append(dates.format_datetime(when, pattern, tzinfo=zone, locale=locale))
                words.append(dates.format_date(when.date(), patterns["day"], locale=locale))
                for standard in ("short", "medium"):
                    words.append(dates.format_datetime(when, standard, tzinfo=zone, locale=locale))
                    words.append(dates.format_date(when.date(), standard, locale=locale))
                    words.append(dates.format_time(when, standard, tzinfo=zone, locale=locale))
    for width in ("wide", "abbreviated", "short", "narrow"):
        for context in ("format", "stand-alone"):
            words.extend(dates.get_day_names(width, context, locale=locale).values())
            if width != "short":  # months have no short width
                words.extend(dates.get_month_names(width, context, locale=locale).values())
    for count in range(1, 5):
        words.append(lists.format_list(["老李", "小王", "红", "Anne"][:count], locale=locale))
    out[locale] = words
kept = tracemalloc.get_traced_memory()[0] - before
print(json.dumps({"words": out, "kept": kept, "completed": locale_data.completed}))
"""

LEFT_OUT = r"""
import json, os
from datetime import datetime
from zoneinfo import ZoneInfo
import babel.core, babel.languages, babel.localedata
from babel import Locale, dates, units
from webapp.infra import locale_data
if os.environ["SLIM"] == "1":
    locale_data.slim()
when = datetime(2026, 12, 7, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
english = Locale.parse("en")
english.date_formats["short"]  # its data is read: the slim copy, held by this Locale
babel.localedata.clear_caches()  # Babel's own API: a left-out part is still answered afterwards
answers = [
    english.languages["de"],
    Locale.parse("zh_Hans").languages["fr"],
    Locale.parse("en").territories["TW"],
    Locale.parse("zh_Hant").currencies["CNY"],
    dates.format_datetime(when, "full", tzinfo=ZoneInfo("Asia/Shanghai"), locale="en"),
    dates.format_datetime(when, "long", tzinfo=ZoneInfo("Europe/Berlin"), locale="zh_Hans"),
    dates.format_timedelta(3600 * 26, locale="zh_Hant"),
    units.format_unit(12, "length-kilometer", locale="zh_Hans"),
    dates.format_date(when, "full", locale="zh_Hans_SG"),
    dates.format_date(when, "full", locale="de_CH"),
    Locale.parse("fr_CA").display_name,
    sorted(babel.languages.get_official_languages("CN")),
    babel.core.get_global("zone_aliases")["Asia/Chongqing"],
    str(Locale.parse("und_TW")),
    str(Locale.parse("zh_TW")),
    babel.core.get_global("likely_subtags")["fr"],
    "fr_Latn_FR" in babel.core.get_global("likely_subtags").values(),
    "fr" in babel.core.get_global("likely_subtags"),
]
print(json.dumps({"answers": answers, "completed": locale_data.completed}))
"""


def run(script: str, slim: bool) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"SLIM": "1" if slim else "0", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_the_pages_words_are_whole_babels_and_take_a_fraction_of_the_memory():
    whole, slim = run(PAGES_FORMATTING, slim=False), run(PAGES_FORMATTING, slim=True)
    assert slim["words"] == whole["words"]
    assert "12月7日 星期一 上午9:05" in whole["words"]["zh_Hans"]  # the helpers' words are really there
    assert "12月7日 星期一 上午9:05" in whole["words"]["zh_Hant"]
    assert "Mon 7 Dec, 9:05 AM" in whole["words"]["en"]
    assert slim["completed"] == []  # and none of it needed what was left out
    # What Babel keeps after the pages' formatting: 5-6 MiB as it comes, less than one as slimmed.
    assert whole["kept"] > 4 * 2**20, whole["kept"]
    assert slim["kept"] < whole["kept"] / 4, (slim["kept"], whole["kept"])


def test_what_was_left_out_is_loaded_whole_when_asked_for():
    whole, slim = run(LEFT_OUT, slim=False), run(LEFT_OUT, slim=True)
    assert slim["answers"] == whole["answers"]
    assert whole["answers"][:2] == ["German", "法语"]
    assert set(slim["completed"]) >= {"global", "en"}  # after clear_caches the others load whole from disk


@pytest.fixture
def slimmed_afresh():
    """This process's Babel slimmed again from scratch: another test may have asked for something left out."""
    with babel.localedata._cache_lock:
        babel.localedata.clear_caches()
        babel.core._global_data = None
        locale_data._slimmed = False
        locale_data.completed.clear()
        locale_data.slim()
    yield
    assert isinstance(babel.core._global_data, locale_data._SlimGlobal)


def test_slimming_keeps_our_three_languages_and_two_global_tables(slimmed_afresh):
    assert sorted(babel.localedata._cache) == ["en", "zh_Hans", "zh_Hant"]
    for data in babel.localedata._cache.values():
        assert not data.whole
        assert "days" in data
        assert "date_formats" in data
        assert not {"languages", "time_zones", "unit_patterns"} & set(dict.keys(data))
    assert sorted(babel.core._global_data) == ["likely_subtags", "parent_exceptions"]
    assert 400 < len(babel.core._global_data["likely_subtags"]) < 1000  # of about 7,900


def test_walking_the_pages_asks_for_nothing_left_out(
    slimmed_afresh, app, client, phone, kiosk_token, session, make_resident, make_notice
):
    """The pages a lobby and a desk serve all day, in each language: none loads Babel's data whole again."""
    from webapp.domain.identity.cards import issue_card
    from webapp.domain.privacy.audit import SYSTEM

    make_notice("停水通知")
    card = issue_card(session, SYSTEM, make_resident("李阿公", age=82))
    session.commit()
    from tests.web.test_kiosk_pages import identify

    for locale in ("zh_Hans", "zh_Hant", "en"):
        kiosk = app.test_client()  # a visit in each language
        kiosk.set_cookie("linli_kiosk", kiosk_token)
        for visitor in (client, phone, kiosk):
            visitor.set_cookie("linli_locale", locale)
        for path in ("/", "/notices", "/directory", "/learn"):
            assert client.get(path).status_code == 200, path
        for path in ("/me", "/tickets", "/me/notices", "/me/events", "/me/timebank"):
            assert phone.get(path).status_code == 200, path
        assert kiosk.get("/kiosk/").status_code == 200
        assert identify(kiosk, card.url("https://x")).get_json()["ok"]
        for path in ("/kiosk/home", "/kiosk/events", "/kiosk/notices", "/kiosk/tickets", "/kiosk/timebank"):
            assert kiosk.get(path).status_code == 200, path
    assert locale_data.completed == []
