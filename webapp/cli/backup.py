"""`flask backup DEST` and `flask restore ARCHIVE` (issue 20): the office's copy of everything, and back.

Passphrases are read from standard input when piped (scripts, the backup timer) or asked for, never taken as
an argument (it would stay in the shell's history and the process list). Public keys may be arguments: they
are public. The work is in `webapp.infra.backup`; this module only talks to the person at the terminal.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from webapp.infra.db import database


def _passphrase(confirm: bool) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm))


def _recipients(recipient: tuple[str, ...], recipients_file: Path | None) -> tuple[str, ...]:
    found = list(recipient)
    if recipients_file:
        lines = recipients_file.read_text(encoding="utf-8").splitlines()
        found += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return tuple(found)


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--recipient", "-r", multiple=True, help="An age public key (age1…) to seal the archive for.")
@click.option(
    "--recipients-file",
    "-R",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of age public keys, one a line.",
)
@click.option("--keep", type=click.IntRange(min=1), help="Keep only the newest N archives in DEST.")
def backup(dest: Path, recipient: tuple[str, ...], recipients_file: Path | None, keep: int | None) -> None:
    """Write a consistent, encrypted copy of the database and the instance keys into the folder DEST (or the
    file DEST.age), while the app keeps running. Sealed for the public keys given, else with a passphrase."""
    from webapp.infra import backup as backups  # here, not in every web worker (tarfile, age)

    settings = current_app.config["LINLI"]
    recipients = _recipients(recipient, recipients_file)
    sealing = (
        backups.Sealing(recipients=recipients)
        if recipients
        else backups.Sealing(passphrase=_passphrase(True))
    )
    if not recipients and len(sealing.passphrase or "") < 12:
        raise click.ClickException(
            "Use a passphrase of at least 12 characters (write it down somewhere safe)."
        )
    keys = backups.key_values(settings.instance_path, settings.encryption_key)
    try:
        written = backups.make_backup(database().engine, keys, dest, sealing)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written: {written} ({written.stat().st_size // 1024} KiB)")
    if keep and written.parent == dest:
        for gone in backups.prune(dest, keep):
            click.echo(f"Removed the older backup {gone.name}")


@click.command("restore")
@with_appcontext
@click.argument("archive", type=click.Path(path_type=Path))
@click.option(
    "--identity",
    "-i",
    "identity_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The age secret key file, for an archive sealed with a public key.",
)
@click.option("--force", is_flag=True, help="Replace a database or keys that are already here.")
def restore(archive: Path, identity_file: Path | None, force: bool) -> None:
    """Restore ARCHIVE into this instance (stop the web server and the worker first): the database, the keys,
    then the schema brought up to this version. A wrong passphrase or a backup from a newer version is refused
    before anything is touched."""
    from webapp.infra import backup as backups

    settings = current_app.config["LINLI"]
    if identity_file:
        lines = identity_file.read_text(encoding="utf-8").splitlines()
        sealing = backups.Sealing(identities=tuple(x for x in lines if x.startswith("AGE-SECRET-KEY-")))
    else:
        sealing = backups.Sealing(passphrase=_passphrase(False))
    env_key = os.environ.get("LINLI_ENCRYPTION_KEY")
    engine = database().engine
    try:
        with tempfile.TemporaryDirectory(prefix="linli-restore-") as work:
            opened = backups.open_archive(archive, sealing, Path(work))
            done = backups.restore(
                opened, engine, settings.instance_path, bytes.fromhex(env_key) if env_key else None, force
            )
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored the backup made at {opened.manifest.get('made_at')}:")
    for line in done:
        click.echo(f"  {line}")
    counts = backups.table_counts(engine)
    click.echo(f"  {sum(counts.values())} rows in {len(counts)} tables")
