"""The browser suite's demo follows the day: a module that starts after midnight in Shanghai serves a demo of
the new day (no browser is started here)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser import conftest
from webapp.infra.db import make_engine
from webapp.models import TrainingSession

SHANGHAI = ZoneInfo("Asia/Shanghai")


def class_days(seeded: conftest.SeededDatabase) -> set:
    engine = make_engine(f"sqlite:///{seeded.path}")
    try:
        with Session(engine) as session:
            return {t.astimezone(SHANGHAI).date() for t in session.scalars(select(TrainingSession.starts_at))}
    finally:
        engine.dispose()


def test_a_module_that_starts_on_a_new_day_serves_that_days_demo(tmp_path_factory, monkeypatch):
    today = conftest.seeded_today(tmp_path_factory)
    assert conftest.seeded_today(tmp_path_factory) is today  # seeded once a day, not once a module
    day = next(d for d, seeded in conftest._SEEDED.items() if seeded is today)
    tomorrow = day + timedelta(days=1)  # (from the demo's own day: this test may itself cross midnight)
    monkeypatch.setattr(conftest, "_SEEDED", dict(conftest._SEEDED))  # the run's own demos stay as they were
    monkeypatch.setattr(conftest, "seed_day", lambda: tomorrow)
    next_one = conftest.seeded_today(tmp_path_factory)
    assert next_one.path != today.path
    before, after = class_days(today), class_days(next_one)
    assert tomorrow in after
    assert after == {day + timedelta(days=1) for day in before}  # the same demo, a day later
