"""Column types shared by the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, TypeDecorator
from sqlalchemy.engine import Dialect

from webapp.infra import clock


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC; SQLite returns naive values, so put the zone back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return clock.now()


Names = dict[str, str]


def pick_name(names: Names, locale: str) -> str:
    """Return the name in *locale*, falling back to Simplified, then any name we have."""
    return names.get(locale) or names.get("zh_Hans") or next(iter(names.values()), "")


def enum_column(enum_class: type[enum.Enum], length: int = 32) -> Enum:
    """Store an enum by its value as plain text: readable in SQL and no PostgreSQL ENUM type to migrate."""
    return Enum(enum_class, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])
