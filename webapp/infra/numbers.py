"""Whole numbers from untrusted text: `"²".isdigit()` is true but `int("²")` fails, so check ASCII too."""

from __future__ import annotations

MAX_ID = 2**31 - 1


def small_int(text: str | None, maximum: int = MAX_ID) -> int | None:
    """The whole number in *text* (ASCII digits only, at most *maximum*), else None."""
    value = (text or "").strip()
    if not value or len(value) > 10 or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= maximum else None
