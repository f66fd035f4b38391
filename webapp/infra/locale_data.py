"""Babel's CLDR data, kept to what Linli's pages read (issue 21: a worker's memory).

Babel loads its data whole. `global.dat` is 2.2 MiB in memory, almost all of it the likely-subtags table of
every language in the world, which Babel reads to find the parent of `zh_Hans`. Each language's data is loaded
with its parents (`root`, `zh`, `zh_Hans`: 2.4 MiB), and nine tenths of that are the names of units, time
zones, languages, territories and currencies in that language. The pages only format dates, times, day names
and lists.

`slim()` loads the three languages once, while the process is still small (so the memory of the whole load is
reused by what comes next rather than added to a worker's peak), and keeps only what pages read. Nothing Babel
could answer is lost: asking for anything left out loads that data whole again, in place, and answers from it.
The cost of such a question is memory, never a wrong answer; `tests/web/test_locale_data.py` holds the pages'
formatting equal to unslimmed Babel's and checks that walking the pages asks for nothing left out.

This reaches into three of Babel's module attributes (`babel.core._global_data`, `babel.localedata._cache` and
`_dict_cache`): the lock file pins Babel, and the tests fail if a new release moves them.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import babel.core
import babel.localedata
from babel import Locale

from webapp.config import LOCALES

# The language subtags of our locales, and `und` (Babel looks up `und_Hant` and the like when parsing).
_LANGUAGES = frozenset({locale.split("_")[0] for locale in LOCALES} | {"und"})
# Per language, the parts no page reads (the rest is small: formats, day and month names, list patterns).
_LOCALE_LEFT_OUT = frozenset(
    {
        "unit_patterns",
        "unit_display_names",
        "compound_unit_patterns",
        "time_zones",
        "meta_zones",
        "languages",
        "territories",
        "scripts",
        "variants",
        "currency_names",
        "currency_names_plural",
        "date_fields",
        "compact_currency_formats",
        "compact_decimal_formats",
    }
)

_lock = threading.RLock()
_slimmed = False
# What was asked for that had been left out (tests read it: walking the pages must leave it empty).
completed: list[str] = []


def slim() -> None:
    """Load our languages' data and Babel's global data now, kept to what pages read. Idempotent."""
    global _slimmed
    with _lock:
        if _slimmed:
            return
        with babel.localedata._cache_lock:
            babel.core.get_global("likely_subtags")  # loads global.dat if nothing has yet
            whole = babel.core._global_data
            if whole is None or isinstance(whole, _SlimGlobal):
                return
            babel.core._global_data = cast(Any, _SlimGlobal(whole))
            names = [str(Locale.parse(locale)) for locale in LOCALES]
            for name in names:
                babel.localedata.load(name)
            kept = {name: _SlimLocale(name, babel.localedata._cache[name]) for name in names}
            # The parents (root, zh) go: a language loaded later reads them from disk again, whole.
            babel.localedata._cache.clear()
            babel.localedata._dict_cache.clear()
            babel.localedata._cache.update(kept)
        _slimmed = True


def _whole_global() -> dict[str, Any]:
    """Babel's global data, whole: read from disk again at the first question the slim copy cannot answer."""
    with babel.localedata._cache_lock:
        current = babel.core._global_data
        if isinstance(current, _SlimGlobal):
            # Read as Babel's get_global reads it, into a local first: another thread's get_global must never
            # see None in between (it would read the file again, or call .get on None).
            with (Path(babel.core.__file__).parent / "global.dat").open("rb") as data:
                current = pickle.load(data)  # noqa: S301 (Babel's own data file, as Babel loads it)
            babel.core._global_data = current
            completed.append("global")
        return cast(dict[str, Any], current)


class _SlimSubtags(dict[str, str]):
    """Likely subtags of our languages only. Babel reads the table with `.get`; a miss for one of our
    languages is a true miss (all their entries are here); another language's is read from the whole table."""

    def get(self, key: str, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        if str(key).split("_")[0] in _LANGUAGES:
            return default
        return _whole_global()["likely_subtags"].get(key, default)

    def __missing__(self, key: str) -> str:
        if str(key).split("_")[0] in _LANGUAGES:
            raise KeyError(key)
        return _whole_global()["likely_subtags"][key]

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key) or str(key).split("_")[0] in _LANGUAGES:
            return dict.__contains__(self, key)
        return key in _whole_global()["likely_subtags"]


class _SlimGlobal(dict[str, Any]):
    """`babel.core._global_data` with two tables; `get_global` reads it with `.get(key, {})`."""

    def __init__(self, whole: Mapping[Any, Any]) -> None:
        subtags = _SlimSubtags(
            {key: value for key, value in whole["likely_subtags"].items() if key.split("_")[0] in _LANGUAGES}
        )
        super().__init__({"likely_subtags": subtags, "parent_exceptions": whole["parent_exceptions"]})

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return dict.__getitem__(self, key)
        return _whole_global().get(key, default)

    def __missing__(self, key: str) -> Any:
        return _whole_global()[key]


class _SlimLocale(dict[Any, Any]):
    """One language's merged data without the parts no page reads. A read of a left-out part (through Babel's
    `LocaleDataDict`, which indexes this dict) fills this dict in place from a whole load, then answers."""

    def __init__(self, name: str, whole: dict[Any, Any]) -> None:
        super().__init__({key: value for key, value in whole.items() if key not in _LOCALE_LEFT_OUT})
        self.name = name
        self.whole = False

    def complete(self) -> None:
        if self.whole:
            return
        with babel.localedata._cache_lock:
            if self.whole:
                return
            cache = babel.localedata._cache
            cached = cache.pop(self.name, None)  # gone if Babel's caches were cleared meanwhile
            try:
                self.update(babel.localedata.load(self.name))  # from disk, whole, with its parents
            finally:
                # Keep what is cached now if it is not this (slimmed again since); else this, now whole.
                cache[self.name] = cached if cached is not None and cached is not self else self
            self.whole = True
            completed.append(self.name)

    def __missing__(self, key: Any) -> Any:
        if key not in _LOCALE_LEFT_OUT or self.whole:
            raise KeyError(key)
        self.complete()
        return dict.__getitem__(self, key)

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if not self.whole and key in _LOCALE_LEFT_OUT:
            self.complete()
        return dict.__contains__(self, key)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if not self.whole and key in _LOCALE_LEFT_OUT:
            self.complete()
        return dict.setdefault(self, key, default)

    def pop(self, key: Any, *default: Any) -> Any:
        if not self.whole and key in _LOCALE_LEFT_OUT:
            self.complete()
        return dict.pop(self, key, *default)

    def copy(self) -> dict[Any, Any]:
        """A language whose parent this is (`zh_Hans_SG`) starts from a copy: it gets the whole data."""
        self.complete()
        return dict(self)

    def keys(self) -> Any:
        self.complete()
        return dict.keys(self)

    def items(self) -> Any:
        self.complete()
        return dict.items(self)

    def values(self) -> Any:
        self.complete()
        return dict.values(self)

    def __iter__(self) -> Iterator[Any]:
        self.complete()
        return dict.__iter__(self)
