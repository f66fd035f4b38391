"""Lessons and "My skills" at the kiosk: the same lessons as on the phone in kiosk type, readable aloud
(the Read aloud button reads `main`) and without a scan; after a scan, what I can do, what to learn next,
and one tap to sign up for a class.

Lesson pages hold nothing personal, so the kiosk's service worker may keep them for offline use; during a
visit every response is no-store anyway (webapp.infra.security).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from kiosk.blueprint import bp, visit_required
from webapp.domain.kiosk.visits import visit_actor
from webapp.domain.training import courses
from webapp.domain.training.skills import TrainingError, all_skills, skill_or_none
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.i18n import current_locale
from webapp.models import Kiosk, KioskVisit, TrainingSession
from webapp.shared import confirm
from webapp.shared.messages import training_error
from webapp.shared.training import class_action, skills_page_data


def todays_class(db: Session, visit: KioskVisit | None, kiosk: Kiosk | None) -> TrainingSession | None:
    """The identified resident's class today (the kiosk's community's today), for the top of the home."""
    if visit is None or visit.resident_id is None or kiosk is None:
        return None
    zone = ZoneInfo(kiosk.community.timezone)
    start = datetime.combine(clock.now().astimezone(zone).date(), time(0), tzinfo=zone)
    return courses.todays_class(db, visit.resident_id, start, start + timedelta(days=1))


@bp.get("/learn", endpoint="learn")
def learn_page() -> ResponseReturnValue:
    return render_template("learn/skills.html", face="kiosk", skills=all_skills(get_session()))


@bp.get("/learn/<code>", endpoint="lesson")
def lesson_page(code: str) -> ResponseReturnValue:
    found = skill_or_none(get_session(), code)
    if found is None:
        abort(404)
    return render_template("learn/lesson.html", face="kiosk", skill=found, well_done=None)


@bp.get("/skills", endpoint="my_skills")
@visit_required
def my_skills_page() -> ResponseReturnValue:
    return render_template(
        "learn/my_skills.html", face="kiosk", error=None, **skills_page_data(g.visit.resident)
    )


@bp.post("/classes/<int:class_id>/<any(signup, cancel):action>", endpoint="class_action")
@visit_required
def class_action_view(class_id: int, action: str) -> ResponseReturnValue:
    db = get_session()
    ts = db.get(TrainingSession, class_id)
    resident = g.visit.resident
    if ts is None or ts.community_id != g.kiosk.community_id:
        abort(404)
    asked = confirm.for_class(ts, current_locale())
    if action == "cancel" and not confirm.confirmed():
        return confirm.screen("kiosk", asked, url_for("kiosk.my_skills"))
    try:
        words = class_action(visit_actor(g.visit), resident, ts, action, f"kiosk:{g.kiosk.id}")
    except TrainingError as exc:
        return render_template(
            "learn/my_skills.html",
            face="kiosk",
            error=training_error(exc.reason),
            **skills_page_data(resident),
        ), 400
    if action == "cancel":
        return render_template(
            "kiosk/done.html", title=asked.done, message=None, back=url_for("kiosk.my_skills")
        )
    flash(words, "info")
    return redirect(url_for("kiosk.my_skills"), code=303)
