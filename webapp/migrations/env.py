"""Alembic environment: runs on the connection handed over by webapp.migrations.api."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

import webapp.models  # noqa: F401  (registers every table on Base.metadata)
from webapp.models.base import Base
from webapp.models.types import UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our UTC column type as a plain timezone-aware DateTime, so migrations need no app import."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite needs batch mode to alter tables
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
