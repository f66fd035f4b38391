"""The lobby display (`/display/<community>`): a TV or LED screen that rotates notices and what is on.

No interaction and nothing personal: only notices for everyone or whole buildings, and the coming activities
and digital-skills classes (webapp.domain.courses) with how many places are left. A small service worker
(scoped to /display/) keeps the last page it loaded, so a screen whose network drops keeps showing it
instead of an error.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, render_template
from flask.typing import ResponseReturnValue

from webapp import clock
from webapp.db import get_session
from webapp.domain import courses
from webapp.domain.community import default_community
from webapp.domain.events import counts, upcoming
from webapp.domain.notices import current_notices

bp = Blueprint("display", __name__, url_prefix="/display")

ROTATE_SECONDS = 12
REFRESH_SECONDS = 300
EVENT_DAYS = 14


@bp.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """Served from /display/ (not /static/) so that its scope can be the display pages and nothing else."""
    path = current_app.static_folder or "static"
    with open(f"{path}/js/display-sw.js", encoding="utf-8") as source:
        body = source.read()
    return Response(
        body,
        mimetype="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/display/"},
    )


@bp.get("/<slug>")
def show(slug: str) -> ResponseReturnValue:
    db = get_session()
    place = default_community(db, slug[:64])
    if place is None:
        abort(404)
    notices = current_notices(db, place.id, public_only=True)
    events = upcoming(db, place.id, days=EVENT_DAYS, limit=8)
    horizon = clock.now() + timedelta(days=EVENT_DAYS)
    classes = [c for c in courses.upcoming(db, place.id, limit=8) if c.starts_at < horizon]
    return render_template(
        "display/show.html",
        place=place,
        urgent=[n for n in notices if n.urgent],
        notices=[n for n in notices if not n.urgent],
        events=events,
        taken=counts(db, [e.id for e in events]),
        classes=classes,
        class_taken={c.id: courses.booked_count(db, c.id) for c in classes},
        rotate=ROTATE_SECONDS,
        refresh=REFRESH_SECONDS,
    )
