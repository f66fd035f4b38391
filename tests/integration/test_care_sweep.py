"""The daily missed check-in alert runs on a box's own SQLite database (found by review: the sweep held the
write lock while claiming its period in a second session, and on SQLite waited, then failed, every time)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import TEST_KEY
from webapp import create_app
from webapp.infra import clock
from webapp.infra.db import database, make_engine
from webapp.infra.queue import queue_of
from webapp.models import Community, GroupAlert, OutboxMessage


def test_the_care_sweep_tells_the_office_group_once_a_day(databases, tmp_path):
    url = databases.seeded("care")
    engine = make_engine(url)
    with Session(engine) as session:
        community = session.scalar(select(Community).where(Community.slug == "guihua"))
        assert community is not None
        session.add(GroupAlert(community_id=community.id, queue="office", channel="dingtalk"))
        session.commit()
    app = create_app(
        {"database_url": url, "instance_path": tmp_path, "encryption_key": TEST_KEY, "queue_url": "immediate"}
    )
    clock.freeze(datetime(2026, 11, 29, 6, 0, tzinfo=UTC))  # 14:00 in Hangzhou, after the 10:00 check time
    try:
        tasks = queue_of(app)
        first = tasks.care_sweep.call_local()
        again = tasks.care_sweep.call_local()
    finally:
        clock.freeze(None)
        database(app).engine.dispose()
    with Session(engine) as session:
        alerts = session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "care_alert")
        )
    engine.dispose()
    assert first == 1
    assert again == 0  # the day's period is taken: once a day, however many sweeps
    assert alerts == 1
