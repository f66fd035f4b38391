"""The lobby display (`/display/<community>`): a TV or LED screen that rotates notices and what is on.

No interaction and nothing personal: only notices for everyone or whole buildings, and the coming activities
and digital-skills classes (domain.training.courses) with how many places are left. A small service worker
(scoped to /display/) keeps the last page it loaded, so a screen whose network drops keeps showing it
instead of an error.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, render_template, url_for
from flask.typing import ResponseReturnValue

from webapp.domain.life.events import counts, upcoming
from webapp.domain.life.notices import current_notices
from webapp.domain.register.community import default_community
from webapp.domain.training import courses
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.shared.context import base_url

bp = Blueprint("display", __name__, url_prefix="/display")

ROTATE_SECONDS = 12
# A TV cannot scroll: longer texts are shortened with "…" and the slide carries a QR to read the rest on a
# phone (the stylesheet also clamps lines, so whatever the content every slide fits 1920x1080 and 1080x1920).
BODY_CHARS = 110
SUMMARY_CHARS = 90
URGENT_SHOWN = 1  # one urgent notice in full beats two cut short; the others are counted
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


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """(text, shortened?): at most *limit* characters, cut at a space where there is one near the end."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text, False
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut.rstrip(" ,.;:，。；：、") + "…", True


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
    urgent = [n for n in notices if n.urgent]
    return render_template(
        "display/show.html",
        place=place,
        urgent=urgent[:URGENT_SHOWN],
        urgent_more=max(0, len(urgent) - URGENT_SHOWN),
        shorten=shorten,
        body_chars=BODY_CHARS,
        summary_chars=SUMMARY_CHARS,
        notices_url=f"{base_url()}{url_for('resident.public_notices')}",
        event_url=lambda e: f"{base_url()}{url_for('resident.my_event', event_id=e.id)}",
        notices=[n for n in notices if not n.urgent],
        events=events,
        taken=counts(db, [e.id for e in events]),
        classes=classes,
        class_taken={c.id: courses.booked_count(db, c.id) for c in classes},
        rotate=ROTATE_SECONDS,
        refresh=REFRESH_SECONDS,
    )
