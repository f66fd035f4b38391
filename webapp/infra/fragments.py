"""Pieces of a page rendered once per process and kept under a key made of everything they show (issue 20).

The staff queue renders fifty rows a page, and the rows of the open tickets are the same from one view to the
next: the same ticket, words and deadline. Rendering them was about half of the page's time, and a district's
staff open the queue all day.

A fragment is kept under a key, not a version: the key holds every value the fragment's markup reads (the
ticket's fields, the names it shows, the language, the time zone, the hours left), so a changed value is a new
key and can never meet an old copy; nothing has to be told to forget anything. What a template must keep
true: the key names every input of the markup inside its `{% call remembered(key) %}` block.
`tests/web/test_fragments.py` renders pages with the copies and without them, after each kind of change,
and compares.

Copies are per process (1-2.5 KB a queue row, the least recently used dropped first), so app servers do not
share or wait for each other.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Flask, current_app
from markupsafe import Markup, escape

from webapp.infra.page_cache import Kept

# A queue row is about 1.2 KB in English and 2.5 KB in Chinese (two bytes a character): at most about 1.3 MiB
# a process, for a busy office's open tickets in two languages.
MAX_FRAGMENTS = 512
EXTENSION = "linli_fragments"


class Fragments:
    """The fragments one process keeps (the shared pages' kind of LRU), with no version token, since the key
    itself says what a fragment shows."""

    def __init__(self, size: int = MAX_FRAGMENTS) -> None:
        self._kept: Kept[str] = Kept(size)
        self.enabled = True  # tests render a page both ways and compare

    @property
    def hits(self) -> int:
        return self._kept.hits

    @property
    def misses(self) -> int:
        return self._kept.misses

    def get(self, key: Hashable, render: Callable[[], str]) -> str:
        if not self.enabled:
            return render()
        html = self._kept.get(("fragment", key), "")
        if html is None:
            html = render()  # outside the lock: two threads may render the same row once each, both the same
            self._kept.put(("fragment", key), "", html)
        return html


def fragments_of(app: Flask) -> Fragments:
    found: Fragments = app.extensions[EXTENSION]
    return found


def remembered(key: Hashable, caller: Callable[[], str]) -> Markup:
    """`{% call remembered(key) %}markup{% endcall %}`: the markup rendered at the first call with this key,
    the copy after. The key must hold every value the markup reads (see the module's words)."""
    # (In debug mode templates reload as they are edited: rendered each time.)
    html = caller() if current_app.debug else fragments_of(current_app).get(key, caller)  # the Markup is kept
    return html if isinstance(html, Markup) else escape(html)


def install(app: Flask) -> None:
    app.extensions[EXTENSION] = Fragments()
    app.jinja_env.globals["remembered"] = remembered
