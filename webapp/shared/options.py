"""The options of select, radio and checkbox fields, declared the way WTForms wants them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms' SelectChoice: WTForms 3.3 deprecates plain tuples and 3.4 drops them,
    so the day the lock moves on no form loses its options. Labels may be lazy strings (read per request)."""
    return [SelectChoice(value, label) for value, label in pairs]
