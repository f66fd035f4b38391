"""Lessons and practice on the phone, and the screens the kiosk shares with it (kiosk/practice.py).

Lesson pages (/learn, /learn/<code>) are the same for everyone: nothing personal is on them, so the service
worker keeps them for offline reading and they print as a large-type handout. Practice pages move forward
through the query string (GET, nothing written) and end in a pretend "send" that creates nothing; a result
is kept only when an identified resident ticks "save this to My skills" (webapp.domain.training.practice).
"""

from __future__ import annotations

from flask import Response, abort, render_template, url_for
from flask.typing import ResponseReturnValue

from webapp.domain.training import practice
from webapp.domain.training.skills import all_skills, skill_or_none
from webapp.infra.db import get_session, writes
from webapp.infra.extensions import csrf
from webapp.infra.i18n import current_locale
from webapp.resident.account import signed_in_resident
from webapp.resident.blueprint import bp
from webapp.shared.context import current_actor
from webapp.shared.learn import render_flow, save_practice, scam_view
from webapp.shared.speech import speech_available, synthesise


@bp.get("/learn")
def learn() -> ResponseReturnValue:
    return render_template("learn/skills.html", face="phone", skills=all_skills(get_session()))


@bp.get("/learn/<code>")
def lesson(code: str) -> ResponseReturnValue:
    found = skill_or_none(get_session(), code)
    if found is None:
        abort(404)
    return render_template(
        "learn/lesson.html",
        face="phone",
        skill=found,
        well_done=url_for("resident.practice_well_done", _external=True),
        audio=url_for("resident.lesson_audio", code=found.code, locale=current_locale())
        if speech_available()
        else "",
    )


@bp.get("/learn/<code>/audio/<any(zh_Hans, zh_Hant, en):locale>.wav")
def lesson_audio(code: str, locale: str) -> ResponseReturnValue:
    """The lesson read aloud, for a phone whose browser has no voice for its language. Only a lesson's own
    public words are spoken (never text from the request), so anyone may ask and any cache may keep it."""
    found = skill_or_none(get_session(), code)
    if found is None:
        abort(404)
    words = "\n".join([found.title(locale), found.summary(locale), *found.step_texts(locale)])
    audio = synthesise(words, locale.replace("_", "-"))
    if audio is None:
        abort(404)
    response = Response(audio, mimetype="audio/wav")
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 3600
    return response


@bp.get("/practice")
def practice_menu() -> ResponseReturnValue:
    return render_template("learn/practice_menu.html", face="phone")


@bp.get("/practice/<any(form, appointment):flow>")
def practice_flow(flow: str) -> ResponseReturnValue:
    return render_flow("phone", flow)


@bp.post("/practice/<any(form, appointment):flow>")
@csrf.exempt
def practice_send(flow: str) -> ResponseReturnValue:
    """The pretend "send": nothing is created anywhere.

    Exempt from CSRF because it changes nothing, and because the practice form may be a copy the service
    worker kept for offline use, whose token belongs to an earlier session: practice never ends in an error.
    """
    return render_template("learn/practice_done.html", face="phone", kind=flow, error=None, token="", a="")


@bp.get("/practice/scam")
def practice_scam() -> ResponseReturnValue:
    return scam_view("phone")


@bp.get("/practice/well-done")
@bp.get("/practice/well-done/<token>")
@writes
def practice_well_done(token: str | None = None) -> ResponseReturnValue:
    """Where the practice QR leads: a phone that scanned it lands here, and the kiosk learns it worked."""
    if token is not None:
        db = get_session()
        practice.mark_scanned(db, token)
    return render_template("learn/well_done.html", face="phone")


@bp.post("/practice/save")
def practice_save() -> ResponseReturnValue:
    return save_practice("phone", signed_in_resident(), current_actor(), url_for("resident.my_skills"))
