"""Phone pages for residents. Card sign-in arrives with the identity issue."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template
from flask.typing import ResponseReturnValue

from webapp.db import get_session
from webapp.domain.community import default_community

bp = Blueprint("resident", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    community = default_community(get_session())
    if community is None:
        abort(404)
    return render_template("resident/home.html", community=community)


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """For load balancers and the benchmark: answers without touching templates."""
    return jsonify(status="ok")
