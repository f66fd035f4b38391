"""The kiosk blueprint and the guard for personal screens, in a module of their own so that every kiosk
module imports them from here and none needs to import `routes` (no import circle)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, g, redirect, url_for

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


def visit_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Personal screens need an identified resident; otherwise back to the attract screen."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.visit is None or g.visit.resident_id is None:
            return redirect(url_for("kiosk.attract"))
        return view(*args, **kwargs)

    return wrapped
