"""The blueprint the console's view modules declare their views on.

It is never registered with an app. The app's `staff` blueprint is made from the table of the console's
addresses (`webapp/staff/lazy.py`), with a stand-in for each view, so that a worker serving only the lobby and
the phones never imports the console's 36 modules (issue 21: about 2 MiB a worker). At the first staff request
the views are imported, and this blueprint hands over each view as it was declared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint


class ConsoleViews(Blueprint):
    """Keeps each declared view and its address instead of deferring them for a registration that never comes.

    Blueprint hooks (`before_request`, `context_processor`, error handlers) would be lost here: the console's
    app-wide ones live in `webapp/staff/lazy.py`, and a test holds this blueprint free of any."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.views: dict[str, Callable[..., Any]] = {}  # endpoint (without "staff.") -> the declared view
        self.addresses: list[tuple[str, str, dict[str, Any]]] = []  # (rule, endpoint, options) as declared

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        if view_func is None or provide_automatic_options is not None:
            raise TypeError("console views are declared with @bp.get, @bp.post or @bp.route")
        endpoint = endpoint or view_func.__name__
        if self.views.setdefault(endpoint, view_func) is not view_func:
            raise ValueError(f"two console views are named {endpoint}")
        self.addresses.append((rule, endpoint, options))


bp = ConsoleViews("staff", __name__, url_prefix="/staff")
