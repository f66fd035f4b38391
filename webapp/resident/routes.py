"""Phone pages for residents. Card sign-in arrives with the identity issue."""

from __future__ import annotations

from flask import abort, jsonify, render_template
from flask.typing import ResponseReturnValue

from webapp.db import get_session
from webapp.domain.community import default_community
from webapp.resident.blueprint import bp


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
