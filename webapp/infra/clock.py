"""The one source of "now", so that deadline and care-list rules can be tested with a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """Return the current time in UTC (timezone-aware), or the frozen time in tests."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Freeze the clock at *at* (aware datetime), or unfreeze with None. For tests and demos only."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs a timezone-aware datetime")
    _frozen = at
