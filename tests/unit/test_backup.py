"""The restore drill (issue 20): back up while the app writes, restore into a fresh instance, compare.

The commands run as an office runs them (`flask --app wsgi backup` / `restore`, passphrase on standard input),
against a real database of the run's kind (SQLite, or PostgreSQL under DATABASE_URL).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.conftest import DEMO_PASSWORD, DEMO_PIN, TEST_KEY, TODAY, VAULT, DatabaseFactory
from webapp import migrations
from webapp.content.demo import seed_demo
from webapp.domain.identity.vault import Vault
from webapp.infra.db import make_engine
from webapp.models import AuditEntry, Resident

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"


class Ran:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def command(instance: Path, url: str, *args: str, stdin: str = "") -> Ran:
    """The same command in this process (an app of its own over that instance and database): the refusals
    need no new interpreter each."""
    from webapp import create_app

    application = create_app({"database_url": url, "instance_path": instance})
    try:
        result = application.test_cli_runner().invoke(args=list(args), input=stdin)
    finally:
        from webapp.infra.db import database

        database(application).engine.dispose()
    return Ran(result.exit_code, result.stdout, result.stderr or result.output)


def flask(instance: Path, url: str, *args: str, stdin: str = "", env: dict[str, str] | None = None):
    environment = {k: v for k, v in os.environ.items() if k not in ("LINLI_ENCRYPTION_KEY", "DATABASE_URL")}
    environment.update({"LINLI_INSTANCE_PATH": str(instance), "DATABASE_URL": url, **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
    )


@pytest.fixture(scope="module")
def source(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str, Engine]]:
    """A seeded instance with its own key file, as `make demo` or `setup` leaves one (seeded once: the tests
    only read it, but for the audit rows of the drill and a schema mark they put back)."""
    url = databases.new("backup_src")
    instance = tmp_path_factory.mktemp("source")
    (instance / "encryption_key").write_text(TEST_KEY.hex())
    engine = make_engine(url)
    migrations.upgrade(engine)
    with Session(engine) as session:
        seed_demo(session, DEMO_PASSWORD, TODAY, VAULT, DEMO_PIN)
        session.commit()
    yield instance, url, engine
    engine.dispose()


def _rows(engine: Engine, table: str) -> list[str]:
    with engine.connect() as connection:
        return sorted(repr(tuple(r)) for r in connection.execute(text(f'SELECT * FROM "{table}"')))  # noqa: S608


def test_a_backup_taken_under_write_load_restores_every_row_and_every_sealed_number(
    source: tuple[Path, str, Engine], databases: DatabaseFactory, tmp_path: Path
) -> None:
    instance, url, engine = source
    with Session(engine) as session:
        before = len(session.scalars(select(AuditEntry.id)).all())
    stop = threading.Event()
    written = [0]

    def write() -> None:  # the app at work: one audit entry per transaction, as fast as it goes
        while not stop.is_set():
            with Session(engine) as session:
                session.add(AuditEntry(actor_type="system", action="drill.write", detail={"n": written[0]}))
                session.commit()
            written[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while written[0] < 20:  # the backup starts while rows are going in
            threading.Event().wait(0.01)
        made = flask(instance, url, "backup", str(tmp_path / "backups"), stdin=PASSPHRASE + "\n")
        after = written[0]
        while written[0] < after + 20:  # and the app goes on writing after it
            threading.Event().wait(0.01)
    finally:
        stop.set()
        writer.join()
    assert made.returncode == 0, made.stderr
    archives = list((tmp_path / "backups").glob("linli-*.tar.gz.age"))
    assert len(archives) == 1
    assert TEST_KEY.hex().encode() not in archives[0].read_bytes()  # sealed, not merely packed

    target_url = databases.new("backup_dst")
    fresh = tmp_path / "fresh"
    restored = flask(fresh, target_url, "restore", str(archives[0]), stdin=PASSPHRASE + "\n")
    assert restored.returncode == 0, restored.stderr
    assert "Restored the backup" in restored.stdout
    assert (fresh / "encryption_key").read_text().strip() == TEST_KEY.hex()
    assert (fresh / "encryption_key").stat().st_mode & 0o077 == 0  # the restored key is the service's alone

    copy = make_engine(target_url)
    try:
        tables = [t for t in inspect(engine).get_table_names() if t not in ("alembic_version", "audit_entry")]
        for table in tables:
            assert _rows(copy, table) == _rows(engine, table), table
        # The audit trail kept writing: the copy holds exactly the rows up to a moment, none torn or missing.
        with Session(copy) as session:
            copied = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
        with Session(engine) as session:
            original = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
        assert copied == original[: len(copied)]
        assert before + 20 <= len(copied) <= len(original) - 20  # taken while the writes went on
        # Sealed numbers open with the restored key, read from the restored instance folder.
        vault = Vault.from_master(bytes.fromhex((fresh / "encryption_key").read_text()))
        with Session(copy) as session:
            resident = session.scalars(select(Resident).where(Resident.phone_cipher.is_not(None))).first()
            assert resident is not None
            assert resident.phone_cipher is not None
            assert vault.decrypt("phone", resident.phone_cipher).endswith(resident.phone_last4 or "?")
    finally:
        copy.dispose()


def test_restore_refuses_a_wrong_passphrase_a_newer_schema_and_an_occupied_database_in_words(
    source: tuple[Path, str, Engine], databases: DatabaseFactory, tmp_path: Path
) -> None:
    instance, url, engine = source
    made = command(instance, url, "backup", str(tmp_path / "one.tar.gz.age"), stdin=PASSPHRASE + "\n")
    assert made.returncode == 0, made.stderr
    archive = tmp_path / "one.tar.gz.age"

    target_url = databases.new("backup_dst")
    wrong = command(tmp_path / "fresh", target_url, "restore", str(archive), stdin="not the passphrase\n")
    assert wrong.returncode != 0
    assert "does not open with that passphrase" in wrong.stderr
    assert "Traceback" not in wrong.stderr

    occupied = command(instance, url, "restore", str(archive), stdin=PASSPHRASE + "\n")
    assert occupied.returncode != 0
    assert "already holds a community" in occupied.stderr

    # A backup made by a newer Linli (a schema this version does not know) is refused before anything changes.
    with engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    try:
        newer = command(instance, url, "backup", str(tmp_path / "newer.tar.gz.age"), stdin=PASSPHRASE + "\n")
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert newer.returncode == 0, newer.stderr
    refused = command(
        tmp_path / "fresh2",
        target_url,
        "restore",
        str(tmp_path / "newer.tar.gz.age"),
        stdin=PASSPHRASE + "\n",
    )
    assert refused.returncode != 0
    assert "newer than this Linli knows" in refused.stderr
    assert (tmp_path / "fresh2" / "encryption_key").read_text().strip() != TEST_KEY.hex()  # nothing restored
    assert "community" not in inspect(make_engine(target_url)).get_table_names()


def test_a_backup_sealed_for_a_public_key_opens_with_its_secret_key_only(
    source: tuple[Path, str, Engine], databases: DatabaseFactory, tmp_path: Path
) -> None:
    import pyrage

    instance, url, _engine = source
    identity = pyrage.x25519.Identity.generate()
    other = pyrage.x25519.Identity.generate()
    made = command(
        instance, url, "backup", str(tmp_path / "k"), "--recipient", str(identity.to_public()), "--keep", "1"
    )
    assert made.returncode == 0, made.stderr
    again = command(
        instance, url, "backup", str(tmp_path / "k"), "--recipient", str(identity.to_public()), "--keep", "1"
    )
    assert again.returncode == 0, again.stderr
    archives = list((tmp_path / "k").glob("*.age"))
    assert len(archives) == 1  # --keep 1 removed the older one
    (tmp_path / "other.key").write_text(str(other) + "\n")
    (tmp_path / "right.key").write_text(str(identity) + "\n")
    target_url = databases.new("backup_dst")
    refused = command(
        tmp_path / "f", target_url, "restore", str(archives[0]), "--identity", str(tmp_path / "other.key")
    )
    assert refused.returncode != 0
    assert "does not open" in refused.stderr
    opened = command(
        tmp_path / "f", target_url, "restore", str(archives[0]), "--identity", str(tmp_path / "right.key")
    )
    assert opened.returncode == 0, opened.stderr
