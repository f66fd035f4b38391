"""The daily backup as a job (issue 20): the worker runs `webapp.infra.backup` into LINLI_BACKUP_DIR once a
day per deployment, keeps the newest N, records the run for /readyz, and tells each office's group when it
failed.

Once per deployment, not per worker: every worker's scheduler fires the hourly round, and the first to claim
the day (a `JobPeriod` labelled with the UTC date) makes the copy. From `backup_hour` on, every hourly round
tries to claim the day, so a worker that was down at that hour still makes the day's copy when it comes back.
A failed copy is not retried the same day: the office is told at once, and a retry loop would only repeat
the alert (a full disk or a missing key does not mend itself within the hour).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from webapp.config import Settings
from webapp.infra import backup as backups
from webapp.infra import clock
from webapp.infra.db import database
from webapp.infra.unit_of_work import job
from webapp.models import BackupRun, Community

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("linli.jobs.backup")
MIN_PASSPHRASE = 12


def sealing_of(settings: Settings) -> backups.Sealing:
    """The public keys in the recipients file, else the passphrase in the passphrase file (never in the
    environment or on a command line, where `ps` and logs would show it)."""
    if settings.backup_recipients_file:
        lines = Path(settings.backup_recipients_file).read_text(encoding="utf-8").splitlines()
        keys = tuple(x.strip() for x in lines if x.strip() and not x.startswith("#"))
        if keys:
            return backups.Sealing(recipients=keys)
        raise backups.BackupError("The backup recipients file holds no age public key.")
    if settings.backup_passphrase_file:
        passphrase = Path(settings.backup_passphrase_file).read_text(encoding="utf-8").strip("\r\n")
        if len(passphrase) < MIN_PASSPHRASE:
            raise backups.BackupError("The backup passphrase must be at least 12 characters.")
        return backups.Sealing(passphrase=passphrase)
    raise backups.BackupError(
        "Set LINLI_BACKUP_RECIPIENTS_FILE (age public keys) or LINLI_BACKUP_PASSPHRASE_FILE."
    )


def day_due(settings: Settings, now: datetime) -> str | None:
    """The day (UTC) whose backup is due now, or None (no folder set, or before the backup hour)."""
    if not settings.backup_dir or now.hour < settings.backup_hour:
        return None
    return now.date().isoformat()


def run_backup(app: Flask) -> BackupRun:
    """Make one archive, prune to `backup_keep`, record the run; on failure alert every office's group."""
    from webapp.domain.messages.outbox import to_group

    settings: Settings = app.config["LINLI"]
    started = clock.now()
    archive, size, detail, ok = "", 0, "", False
    try:
        sealing = sealing_of(settings)
        keys = backups.key_values(settings.instance_path, settings.encryption_key)
        folder = Path(settings.backup_dir)
        written = backups.make_backup(database(app).engine, keys, folder, sealing)
        archive, size, ok = written.name, written.stat().st_size, True
        removed = backups.prune(folder, settings.backup_keep)
        detail = f"kept the newest {settings.backup_keep}, removed {len(removed)}"
    except backups.BackupError as exc:
        detail = str(exc)
    except OSError as exc:  # a folder that cannot be written, a full disk, a missing key file
        detail = f"{type(exc).__name__}: {exc.strerror or exc}"
    except Exception as exc:  # noqa: BLE001 (pg_dump missing, a bug: say so, never let the day pass silently)
        log.exception("the backup failed")
        detail = f"{type(exc).__name__}"
    with job(app) as session:
        run = BackupRun(
            started_at=started,
            finished_at=clock.now(),
            ok=ok,
            size=size,
            archive=archive[:200],
            detail=detail[:500],
        )
        session.add(run)
        if not ok:
            log.error("the backup failed: %s", detail)
            for community_id in session.scalars(select(Community.id).where(Community.archived_at.is_(None))):
                to_group(session, community_id, "office", "backup_failed", {})
        session.flush()
        session.expunge(run)
    return run
