"""Backups that restore (issue 20): one encrypted archive with a consistent copy of the database and the keys.

Why the keys travel with the data: residents' ID and phone numbers are sealed with the instance's encryption
key, so a database restored without its key is a database of unreadable rows. Why the archive is encrypted:
it holds both. The archive is a gzipped tar sealed with age (https://age-encryption.org), by passphrase or by
an age public key; an office can open it with the standard `age` tool too, without Linli.

Consistency while the app writes: SQLite is copied with its online backup API (one read transaction over all
pages), PostgreSQL with `pg_dump` (one snapshot); neither stops the app.

Restoring checks, in this order and in words: the archive opens with what was given (else "wrong passphrase
or key"), it is a Linli backup, and its schema is one this version knows (a backup from a newer version is
refused rather than half-restored). Then the database and the keys are put in place, and the schema is
brought up to this version's head.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from webapp.infra import clock

FORMAT = "linli-backup"
VERSION = 1
SUFFIX = ".tar.gz.age"
KEY_FILES = ("secret_key", "encryption_key", "vapid_private.pem")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is the words to show the office."""


@dataclass(frozen=True)
class Sealing:
    """How the archive is sealed: a passphrase, or age public keys ("age1…"), or (to open) identity files."""

    passphrase: str | None = None
    recipients: tuple[str, ...] = ()
    identities: tuple[str, ...] = ()  # age secret keys ("AGE-SECRET-KEY-1…"), for restoring


@dataclass(frozen=True)
class Manifest:
    made_at: str
    database: str  # "sqlite" or "postgresql"
    schema: str | None
    keys: tuple[str, ...]

    def as_json(self) -> bytes:
        return json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "made_at": self.made_at,
                "database": self.database,
                "schema": self.schema,
                "keys": list(self.keys),
            },
            ensure_ascii=False,
        ).encode()


def _kind(engine: Engine) -> str:
    return "postgresql" if engine.dialect.name == "postgresql" else "sqlite"


def _libpq_url(engine: Engine) -> str:
    """pg_dump and pg_restore speak libpq, which knows no "+psycopg" driver suffix. Without the password: an
    argument is visible to every local user in the process list; it goes in PGPASSWORD instead."""
    return engine.url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def _postgres_tool(engine: Engine, name: str, *args: str) -> None:
    """pg_dump or pg_restore, without owners and grants (the target's role owns what it restores)."""
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = str(engine.url.password)
    done = subprocess.run(  # noqa: S603 (our own arguments, no shell)
        [_tool(name), "--no-owner", "--no-privileges", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode:
        raise BackupError(f"{name} failed: {done.stderr.strip() or done.returncode}")


def _copy_database(engine: Engine, into: Path) -> str:
    if _kind(engine) == "postgresql":
        target = into / "database.pgdump"
        _postgres_tool(engine, "pg_dump", "--format=custom", "--file", str(target), _libpq_url(engine))
        return target.name
    target = into / "database.sqlite"
    database = make_url(str(engine.url)).database
    if not database or not Path(database).exists():
        raise BackupError(f"There is no SQLite database at {database!r} to back up.")
    source = sqlite3.connect(database)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)  # all pages in one step: one consistent read while the app goes on writing
    finally:
        copy.close()
        source.close()
    return target.name


def _schema(engine: Engine) -> str | None:
    from webapp import migrations

    return migrations.current_revision(engine)


def _seal(data: bytes, sealing: Sealing) -> bytes:
    import pyrage

    if sealing.recipients:
        try:
            recipients = [pyrage.x25519.Recipient.from_str(r.strip()) for r in sealing.recipients]
        except Exception as exc:  # pyrage raises a bare RecipientError
            raise BackupError("A public key is not an age public key (it starts with age1…).") from exc
        return bytes(pyrage.encrypt(data, recipients))
    if sealing.passphrase:
        return bytes(pyrage.passphrase.encrypt(data, sealing.passphrase))
    raise BackupError("A backup needs a passphrase or an age public key to seal it with.")


def _open(sealed: bytes, sealing: Sealing) -> bytes:
    import pyrage

    try:
        if sealing.identities:
            identities = [pyrage.x25519.Identity.from_str(i.strip()) for i in sealing.identities]
            return bytes(pyrage.decrypt(sealed, identities))
        if sealing.passphrase is not None:
            return bytes(pyrage.passphrase.decrypt(sealed, sealing.passphrase))
    except Exception as exc:  # pyrage's DecryptError and IdentityError: the words are the same for both
        raise BackupError("This backup does not open with that passphrase or key.") from exc
    raise BackupError("Give the passphrase or the age secret key the backup was sealed with.")


def key_values(instance_path: Path, encryption_key: bytes) -> dict[str, bytes]:
    """The key files of the instance folder, and the encryption key as the running app uses it (the
    environment may set it instead of the file): without it no sealed number reads again."""
    values = {
        name: (instance_path / name).read_bytes() for name in KEY_FILES if (instance_path / name).exists()
    }
    values["encryption_key"] = encryption_key.hex().encode()
    return values


def make_backup(engine: Engine, keys: dict[str, bytes], dest: Path, sealing: Sealing) -> Path:
    """Write one sealed archive into the folder `dest` (or to the file `dest` if it ends in .age)."""
    stamp = clock.now()
    manifest = Manifest(
        stamp.isoformat(timespec="seconds"), _kind(engine), _schema(engine), tuple(sorted(keys))
    )
    with tempfile.TemporaryDirectory(prefix="linli-backup-") as work:
        folder = Path(work)
        database_name = _copy_database(engine, folder)
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as tar:
            _add(tar, "manifest.json", manifest.as_json())
            tar.add(folder / database_name, arcname=database_name)
            for name, value in sorted(keys.items()):
                _add(tar, f"keys/{name}", value, mode=0o600)
    sealed = _seal(gzip.compress(raw.getvalue(), compresslevel=6), sealing)
    if dest.suffix == ".age":
        target = dest
        target.parent.mkdir(parents=True, exist_ok=True)
    else:
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / f"linli-{stamp.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"
        number = 1
        while target.exists():  # two in one second (a retry, a test): never overwrite a backup
            number += 1
            target = dest / f"linli-{stamp.strftime('%Y%m%d-%H%M%S')}-{number}{SUFFIX}"
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(sealed)
    partial.chmod(0o600)
    os.replace(partial, target)  # a half-written archive never carries the final name
    return target


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(clock.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def prune(dest: Path, keep: int) -> list[Path]:
    """Keep the newest `keep` archives in `dest` (by when they were written); remove the rest."""
    archives = sorted(dest.glob(f"linli-*{SUFFIX}"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    doomed = archives[: max(0, len(archives) - keep)]
    for path in doomed:
        path.unlink()
    return doomed


@dataclass(frozen=True)
class Opened:
    manifest: dict[str, object]
    database_file: Path
    keys: dict[str, bytes]


def open_archive(archive: Path, sealing: Sealing, into: Path) -> Opened:
    """Unseal and unpack into the folder `into`, checking that it is a Linli backup this version can take."""
    if not archive.is_file():
        raise BackupError(f"There is no backup file at {archive}.")
    plain = _open(archive.read_bytes(), sealing)
    try:
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(plain)), mode="r") as tar:
            manifest = json.loads(_member(tar, "manifest.json"))
            if manifest.get("format") != FORMAT:
                raise BackupError("This file is not a Linli backup.")
            if int(manifest.get("version", 0)) > VERSION:
                raise BackupError("This backup was made by a newer Linli: upgrade Linli first, then restore.")
            name = "database.pgdump" if manifest.get("database") == "postgresql" else "database.sqlite"
            (into / name).write_bytes(_member(tar, name))
            keys = {k: _member(tar, f"keys/{k}") for k in manifest.get("keys", []) if k in KEY_FILES}
    except (OSError, EOFError, tarfile.TarError, json.JSONDecodeError, KeyError) as exc:
        raise BackupError("This backup is damaged: it does not unpack.") from exc
    schema = manifest.get("schema")
    if schema and not _known_schema(str(schema)):
        raise BackupError(
            f"This backup's schema ({schema}) is newer than this Linli knows: install the version that made "
            "it (or a newer one), then restore."
        )
    return Opened(manifest, into / name, keys)


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    handle = tar.extractfile(name)
    if handle is None:
        raise KeyError(name)
    return handle.read()


def _known_schema(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from webapp import migrations

    try:
        return (
            ScriptDirectory.from_config(migrations.alembic_config_no_engine()).get_revision(revision)
            is not None
        )
    except (CommandError, KeyError):
        return False


def has_data(engine: Engine) -> bool:
    """Whether the target database holds anything of Linli's (restoring over it then needs --force)."""
    tables = inspect(engine).get_table_names()
    if "community" not in tables:
        return False
    with engine.connect() as connection:
        return bool(connection.execute(text("SELECT 1 FROM community LIMIT 1")).first())


def restore(
    opened: Opened, engine: Engine, instance_path: Path, env_key: bytes | None, force: bool
) -> list[str]:
    """Put the database and keys in place; returns what was done, in words. The app must not be running."""
    kind = "postgresql" if opened.manifest.get("database") == "postgresql" else "sqlite"
    if kind != _kind(engine):
        raise BackupError(f"This backup is of a {kind} database; this Linli is set up for {_kind(engine)}.")
    if has_data(engine) and not force:
        raise BackupError("The database here already holds a community: add --force to replace it.")
    archived_key = opened.keys.get("encryption_key")
    if env_key is not None and archived_key is not None and env_key.hex().encode() != archived_key.strip():
        raise BackupError(
            "LINLI_ENCRYPTION_KEY is set to another key than the backup's: unset it (the key is restored "
            "into the instance folder) or set it to the backup's key."
        )
    done = [_restore_database(opened.database_file, engine)]
    done += _restore_keys(opened.keys, instance_path)
    from webapp import migrations

    engine.dispose()
    migrations.upgrade(engine)
    done.append(f"schema at {migrations.current_revision(engine)}")
    return done


def _restore_database(dump: Path, engine: Engine) -> str:
    engine.dispose()
    if _kind(engine) == "postgresql":
        _postgres_tool(
            engine,
            "pg_restore",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--dbname",
            _libpq_url(engine),
            str(dump),
        )
        return "database restored (PostgreSQL)"
    database = make_url(str(engine.url)).database
    if not database:
        raise BackupError("This Linli has no SQLite file to restore into.")
    target = Path(database)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(dump, staged)
    staged.chmod(0o600)  # residents' records: readable by the service alone, whatever the shell's umask
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)  # the old database's journal must not be replayed over the new one
    os.replace(staged, target)
    return f"database restored to {target}"


def _restore_keys(keys: dict[str, bytes], instance_path: Path) -> list[str]:
    """The archive's keys replace the instance's. Safe without asking again: either the database here was
    empty (a fresh instance's new keys seal nothing yet) or the office said --force. Old keys stay aside."""
    done = []
    instance_path.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
    for name, value in sorted(keys.items()):
        path = instance_path / name
        if path.exists() and path.read_bytes() != value:
            path.rename(
                path.with_name(f"{name}.replaced-{stamp}")
            )  # kept, never deleted: it may still be needed
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600
        )  # never readable by others, not briefly
        with os.fdopen(fd, "wb") as handle:
            handle.write(value)
        done.append(f"key {name} restored")
    return done


def table_counts(engine: Engine, tables: Sequence[str] | None = None) -> dict[str, int]:
    """Rows per table: what `restore` prints, so an office sees what came back."""
    names = tables or [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    counts = {}
    with engine.connect() as connection:
        for table in names:
            query = text(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from the schema)
            counts[table] = int(connection.execute(query).scalar_one())
    return counts
