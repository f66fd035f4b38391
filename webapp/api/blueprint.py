"""The API face's blueprints: the JSON API (/api/v1) and Open311 GeoReport v2 (/open311/v2)."""

from flask import Blueprint

v1 = Blueprint("api", __name__, url_prefix="/api/v1")
open311 = Blueprint("open311", __name__, url_prefix="/open311/v2")
docs = Blueprint("api_docs", __name__, url_prefix="/api")
