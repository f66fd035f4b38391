"""Alembic builds the schema: upgrade an empty database to head, match the models, and go back down."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import webapp.models  # noqa: F401
from webapp import migrations
from webapp.infra.db import make_engine
from webapp.models.base import Base

TABLES = {"region", "community", "building", "household", "resident", "staff_user", "staff_role", "kiosk"}


def test_upgrade_empty_database_to_head_and_back(databases):
    engine = make_engine(databases.new("mig"))
    try:
        assert migrations.current_revision(engine) is None
        migrations.upgrade(engine)
        assert migrations.current_revision(engine) == migrations.head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES

        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"

        migrations.downgrade(engine, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        migrations.upgrade(engine)
        assert migrations.current_revision(engine) == migrations.head_revision()
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def test_sqlite_read_then_write_transactions_do_not_fail_under_concurrency(tmp_path):
    """Deferred BEGIN made two kiosk requests fail with "database is locked"; BEGIN IMMEDIATE waits instead."""
    import threading

    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        connection.exec_driver_sql("INSERT INTO counter VALUES (0)")
    errors: list[Exception] = []

    def work() -> None:
        for _ in range(20):
            try:
                with engine.begin() as connection:
                    n = connection.execute(text("SELECT n FROM counter")).scalar_one()
                    connection.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar_one() == 120
    assert errors == []
    engine.dispose()


# The outbox of issue 17 (0017_outbox): the demo's notifications write messages to residents with a phone.
OUTBOX_TABLES = ("outbox_message", "message_preference", "group_alert", "job_period")
OFFICE_TABLES = ("message_wording", "notice_template", "backup_run")  # 0021_office
HELP_TABLES = ("emergency_contact", "duty_entry", "help_call", "checkin_plan")  # 0018_help_calls


def test_a_migration_round_trip_keeps_every_row_of_a_populated_database(databases):
    """Down to the previous revision and up again on a database full of demo data: no row may be lost.

    On SQLite, batch migrations rebuild a table (copy, drop, rename); with foreign keys on, dropping the old
    staff_user table deleted every staff role and class leader (ON DELETE CASCADE) and emptied every reference
    to it. An upgrade of a live community's box must never do that.
    """
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from tests.conftest import DEMO_PASSWORD, DEMO_PIN, TODAY, VAULT
    from webapp.content.demo import seed_demo
    from webapp.models import StaffUser

    engine = make_engine(databases.new("populated"))
    try:
        migrations.upgrade(engine)
        with Session(engine) as session:
            seed_demo(session, DEMO_PASSWORD, TODAY, VAULT, DEMO_PIN)
            session.commit()
            linked = session.scalar(
                select(func.count(StaffUser.id)).where(StaffUser.resident_id.is_not(None))
            )
        assert linked, "the demo links its volunteer to a resident"

        def counts() -> dict[str, int]:
            with engine.connect() as connection:
                return {
                    t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in Base.metadata.sorted_tables
                }

        with engine.begin() as connection:  # a ticket assigned to someone: a reference that must survive
            connection.exec_driver_sql(
                "UPDATE service_request SET assigned_to_id = (SELECT min(id) FROM staff_user)"
            )
            assigned_before = connection.exec_driver_sql(
                "SELECT count(*) FROM service_request WHERE assigned_to_id IS NOT NULL"
            ).scalar_one()
        assert assigned_before > 0
        before = counts()
        assert before["staff_role"] > 0
        assert before["session_volunteer"] > 0
        migrations.downgrade(engine, "0007_training")
        migrations.upgrade(engine)
        # Tables created after 0007 are dropped by the downgrade, their rows with them (the demo's district
        # administrator's region role): every other row must come back.
        created_later = {
            "staff_invitation",
            "staff_region_role",
            "channel_setting",
            "resident_page_version",  # versions only: a missing row reads as a version of its own
            *OUTBOX_TABLES,
            *OFFICE_TABLES,
            *HELP_TABLES,
        }
        assert {k: v for k, v in counts().items() if k not in created_later} == {
            k: v for k, v in before.items() if k not in created_later
        }
        with engine.connect() as connection:  # references to staff accounts survive too
            assigned = connection.exec_driver_sql(
                "SELECT count(*) FROM service_request WHERE assigned_to_id IS NOT NULL"
            ).scalar_one()
        assert assigned == assigned_before
    finally:
        engine.dispose()
