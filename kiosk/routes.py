"""Kiosk screens. Pairing, identification and idle reset arrive with the kiosk issue."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from webapp.db import get_session
from webapp.domain.community import default_community
from webapp.models import Community

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


def _community() -> Community:
    community = default_community(get_session())
    if community is None:
        abort(404)
    return community


@bp.get("/")
def attract() -> ResponseReturnValue:
    """The attract screen a passer-by sees: where they are, what time it is, how to start."""
    return render_template("kiosk/attract.html", community=_community())


@bp.get("/start")
def start() -> ResponseReturnValue:
    """Touched the screen: tell the person how to identify, in words and a picture."""
    return render_template("kiosk/start.html", community=_community())
