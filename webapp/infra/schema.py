"""Is the database's schema the one this code expects? Answered without importing Alembic (issue 20).

Why not Alembic: every gunicorn worker asks once at start and `/readyz` asks at every probe; Alembic would add
its import time and memory to each worker for one string comparison. The migration files name their revision
and the one before it; the head is the revision no other names as its predecessor.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
_REVISION = re.compile(r'^revision(?:\s*:\s*str)?\s*=\s*"([^"]+)"', re.MULTILINE)
_DOWN = re.compile(r'^down_revision(?:\s*:[^=]+)?\s*=\s*"([^"]+)"', re.MULTILINE)


@cache
def head_revision() -> str | None:
    revisions: set[str] = set()
    predecessors: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if found := _REVISION.search(source):
            revisions.add(found.group(1))
        if down := _DOWN.search(source):
            predecessors.add(down.group(1))
    heads = revisions - predecessors
    return heads.pop() if len(heads) == 1 else None


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def pending(connection: Connection) -> str | None:
    """Words for the operator when the database is not at head (None when it is)."""
    current, head = current_revision(connection), head_revision()
    if current == head:
        return None
    if current is None:
        return "The database is empty: run `flask --app wsgi db upgrade` (or `flask --app wsgi setup`) first."
    return (
        f"The database schema is at {current} but this version of Linli needs {head}: "
        "back up, then run `flask --app wsgi db upgrade`, then start the server again."
    )
