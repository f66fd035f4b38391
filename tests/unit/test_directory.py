"""The directory's "open now" in the community's time zone (Asia/Shanghai): across midnight, on closed
weekdays and holidays, all day; and the rules for typed opening hours."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from webapp.domain.life.directory import (
    DirectoryError,
    check_entry,
    dial_uri,
    entries,
    hours_today,
    is_open_at,
    open_now,
    parse_day,
)
from webapp.infra import clock
from webapp.models import LocalService, PlaceKind

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A Shanghai wall-clock time as the UTC instant the clock would hold."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def week(day_pairs, closed=()):
    return [[] if n in closed else [list(p) for p in day_pairs] for n in range(7)]


@pytest.fixture
def place(session, demo_community):
    def make(hours, closed_dates=(), kind=PlaceKind.SHOP, **extra):
        entry = LocalService(
            community_id=demo_community.id,
            kind=kind,
            names={"zh_Hans": "测试店"},
            address="测试路 1 号",
            hours=hours,
            closed_dates=list(closed_dates),
            **extra,
        )
        session.add(entry)
        session.commit()
        return entry

    return make


@pytest.fixture
def freeze():
    yield clock.freeze
    clock.freeze(None)


# 2026-11-30 is a Monday; 2026-12-06 a Sunday.
@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-11-30 17:59", False),  # before opening
        ("2026-11-30 18:00", True),  # opens
        ("2026-11-30 23:59", True),
        ("2026-12-01 00:00", True),  # past midnight, still Monday's opening
        ("2026-12-01 01:59", True),
        ("2026-12-01 02:00", False),  # closes at 02:00
        ("2026-12-01 12:00", False),
    ],
)
def test_open_across_midnight(place, freeze, local, expected):
    noodles = place(week([("18:00", "02:00")]))
    freeze(at(local))
    assert open_now(noodles) is expected


def test_the_clock_is_read_in_shanghai_not_utc(place, freeze):
    shop = place(week([("08:00", "20:00")]))
    freeze(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai, 01:00 in UTC
    assert open_now(shop)
    freeze(datetime(2026, 11, 30, 13, 0, tzinfo=UTC))  # 21:00 in Shanghai, 13:00 in UTC
    assert not open_now(shop)


def test_closed_weekday_and_the_night_before_it(place, freeze):
    # Open every evening till 02:00 except Sunday (index 6).
    bar = place(week([("18:00", "02:00")], closed=(6,)))
    freeze(at("2026-12-06 01:00"))  # Sunday 01:00: Saturday's opening is still running
    assert open_now(bar)
    freeze(at("2026-12-06 19:00"))  # Sunday evening: closed all day
    assert not open_now(bar)
    assert hours_today(bar) is None
    freeze(at("2026-12-07 01:00"))  # Monday 01:00: Sunday had no opening to run past midnight
    assert not open_now(bar)


def test_holiday_closes_that_day_but_not_last_nights_opening(place, freeze):
    late = place(week([("18:00", "02:00")]), closed_dates=["2026-12-01"])
    freeze(at("2026-12-01 01:00"))  # the holiday's small hours belong to Monday's opening
    assert open_now(late)
    freeze(at("2026-12-01 19:00"))  # the holiday itself
    assert not open_now(late)
    freeze(at("2026-12-02 01:00"))  # no opening started on the holiday
    assert not open_now(late)


def test_all_day_split_days_and_no_hours(place, freeze):
    always = place(week([("00:00", "24:00")]))
    clinic = place(week([("08:00", "11:30"), ("13:30", "17:00")], closed=(5, 6)))
    unknown = place([])
    freeze(at("2026-11-30 03:00"))
    assert open_now(always)
    assert not open_now(unknown)
    freeze(at("2026-11-30 12:00"))  # lunch break
    assert not open_now(clinic)
    freeze(at("2026-11-30 13:30"))
    assert open_now(clinic)
    freeze(at("2026-12-05 09:00"))  # Saturday
    assert not open_now(clinic)


def test_only_open_filter(session, demo_community, place, freeze):
    night = place(week([("20:00", "08:00")]), kind=PlaceKind.PHARMACY)
    freeze(at("2026-11-30 23:00"))
    shown = entries(session, demo_community.id, only_open=True)
    assert night in shown
    assert all(open_now(e) for e in shown)


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("", []),
        ("8:00-11:30, 13:00-17:00", [["08:00", "11:30"], ["13:00", "17:00"]]),
        ("18:00–02:00", [["18:00", "02:00"]]),
        ("09：00至17：00", [["09:00", "17:00"]]),
        ("00:00-24:00", [["00:00", "24:00"]]),
    ],
)
def test_typed_hours(text, pairs):
    assert parse_day(text) == pairs


@pytest.mark.parametrize(
    "text", ["9-17", "25:00-26:00", "08:00-08:00", "08:60-09:00", "２０:00-21:00", "x", "24:30-01:00"]
)
def test_typed_hours_refused(text):
    with pytest.raises(DirectoryError):
        parse_day(text)


def test_form_keeps_a_bad_day_beside_good_ones():
    form = {
        "name_zh_Hans": "店",
        "kind": "shop",
        "address": "路",
        "hours_0": "08:00-20:00",
        "hours_3": "later",
    }
    values, errors = check_entry(form)
    assert errors == {"hours_3": "bad_opening_hours"}
    assert values["hours"][0] == [["08:00", "20:00"]]
    _values, errors = check_entry({**form, "hours_3": "", "phone": "call me", "closed_dates": "tomorrow"})
    assert errors == {"phone": "bad_phone", "closed_dates": "bad_dates"}


def test_dial_uri():
    assert dial_uri("0571-8888-1201") == "tel:057188881201"
    assert dial_uri("+86 571 8888") == "tel:+865718888"
    assert dial_uri(None) is None
    assert dial_uri("--") is None


def test_is_open_at_needs_seven_days():
    assert not is_open_at([[["00:00", "24:00"]]], [], datetime(2026, 11, 30, 12, 0))
