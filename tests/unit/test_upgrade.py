"""Upgrading a community's box (issue 20): a database populated at the previous release's schema goes to head
on SQLite and PostgreSQL without losing a row, and the app then works on it.

The previous release's data is `tests/data/release-<revision>.json.gz`, written at that release by
`tests/data/make_release_fixture.py` (the demo community as that schema held it). At the next release, add
that release's file beside it: each file is a release an office may still be running.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PASSWORD, TEST_KEY, VAULT, Auth, DatabaseFactory
from webapp import create_app, migrations
from webapp.infra.db import database, make_engine
from webapp.models import Resident, Ticket

DATA = Path(__file__).resolve().parents[1] / "data"
RELEASES = sorted(DATA.glob("release-*.json.gz"))


def decode(value: object) -> object:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$b":
            return base64.b64decode(raw)
        if tag == "$dt":
            moment = dt.datetime.fromisoformat(raw)
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # stored as UTC
        if tag == "$d":
            return dt.date.fromisoformat(raw)
        if tag == "$t":
            return dt.time.fromisoformat(raw)
    return value


def load_release(engine, payload: dict) -> dict[str, int]:
    """Insert the release's rows into a database at the release's schema, in foreign-key order."""
    meta = MetaData()
    meta.reflect(engine)
    counts = {}
    with engine.begin() as connection:
        for table in meta.sorted_tables:
            rows = payload["tables"].get(table.name)
            if rows is None:
                continue
            if rows:
                connection.execute(table.insert(), [{k: decode(v) for k, v in row.items()} for row in rows])
            counts[table.name] = len(rows)
            if engine.dialect.name == "postgresql" and "id" in table.c and rows:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "  # noqa: S608
                        f'(SELECT max(id) FROM "{table.name}"))'
                    )
                )
    return counts


@pytest.mark.parametrize("release", RELEASES, ids=lambda p: p.name.split(".")[0])
def test_a_populated_database_of_the_previous_release_upgrades_to_head_and_serves(
    release: Path, databases: DatabaseFactory, tmp_path: Path
) -> None:
    payload = json.loads(gzip.decompress(release.read_bytes()))
    url = databases.new("upgrade")
    engine = make_engine(url)
    try:
        migrations.upgrade(engine, payload["revision"])
        counts = load_release(engine, payload)
        assert counts["service_request"] > 0
        assert counts["resident"] > 0

        migrations.upgrade(engine)  # what `flask --app wsgi db upgrade` does
        assert migrations.current_revision(engine) == migrations.head_revision()
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as connection:
            for name, count in counts.items():
                if name in meta.tables:  # a later release may fold a table into another: it says so here
                    assert (
                        connection.execute(select(func.count()).select_from(meta.tables[name])).scalar()
                        == count
                    ), name
        with Session(engine) as session:  # sealed numbers still open with the instance's key
            resident = session.scalars(select(Resident).where(Resident.phone_cipher.is_not(None))).first()
            assert resident is not None
            assert resident.phone_cipher is not None
            assert VAULT.decrypt("phone", resident.phone_cipher).endswith(resident.phone_last4 or "?")
            number = session.scalars(select(Ticket.number).order_by(Ticket.id)).first()
    finally:
        engine.dispose()

    app = create_app(
        {"database_url": url, "instance_path": tmp_path, "testing": True, "encryption_key": TEST_KEY}
    )
    try:
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        assert Auth(client).sign_in("admin", DEMO_PASSWORD).status_code == 303
        queue = client.get("/staff/tickets?status=all")
        assert queue.status_code == 200
        assert number
        assert number in queue.get_data(as_text=True)
    finally:
        database(app).engine.dispose()


def test_plain_test_contacts_leave_the_channel_settings(databases: DatabaseFactory) -> None:
    """0022: a test phone number and e-mail address stored in plain JSON before they were sealed are removed
    (a migration cannot open the vault to seal them); every other setting stays."""
    engine = make_engine(databases.new("contacts"))
    try:
        migrations.upgrade(engine, "0021_office")
        with engine.begin() as connection:
            community = connection.execute(text("SELECT count(*) FROM community")).scalar()
            assert community == 0
            connection.execute(text("INSERT INTO region (level, code, names) VALUES ('street', 'r', '{}')"))
            region = connection.execute(text("SELECT id FROM region")).scalar()
            connection.execute(
                text(
                    "INSERT INTO community (region_id, slug, names, timezone, default_locale, created_at) "
                    "VALUES (:r, 'c', '{}', 'Asia/Shanghai', 'zh_Hans', CURRENT_TIMESTAMP)"
                ),
                {"r": region},
            )
            connection.execute(
                text(
                    "INSERT INTO channel_setting (community_id, kind, label, enabled, settings, created_at, updated_at) "
                    "VALUES ((SELECT id FROM community), 'sms_aliyun', 'a', true, :s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"s": json.dumps({"sign_name": "邻里", "test_phone": "13800138000"})},
            )
        migrations.upgrade(engine)
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT settings FROM channel_setting")).scalar()
        values = stored if isinstance(stored, dict) else json.loads(stored)
        assert values == {"sign_name": "邻里"}
    finally:
        engine.dispose()
