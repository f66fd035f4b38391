"""The API face: Open311 GeoReport v2 (/open311/v2) and the JSON API (/api/v1) with its OpenAPI document.

Other systems call the same core as the console; every call needs a key (`webapp/api/keys.py`).
"""

from __future__ import annotations

from flask import Flask

from webapp.api import docs, open311  # noqa: F401  (their routes)
from webapp.api.blueprint import docs as docs_bp
from webapp.api.blueprint import open311 as open311_bp
from webapp.api.blueprint import v1
from webapp.api.problems import face_error
from webapp.api.routes import add_routes
from webapp.infra import errors
from webapp.infra.extensions import csrf

add_routes(v1)  # once, as decorators would: the JSON API's views are imported at their first call


def init_app(app: Flask) -> None:
    for blueprint in (v1, open311_bp, docs_bp):
        csrf.exempt(blueprint)  # no cookie is read there: a key in a header is the only credential
        app.register_blueprint(blueprint)
    errors.errors_under(app, "/api", face_error)
    errors.errors_under(app, "/open311", face_error)
