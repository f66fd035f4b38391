"""Lessons and practice on the phone, and the screens the kiosk shares with it (kiosk/practice.py).

Lesson pages (/learn, /learn/<code>) are the same for everyone: nothing personal is on them, so the service
worker keeps them for offline reading and they print as a large-type handout. Practice pages move forward
through the query string (GET, nothing written) and end in a pretend "send" that creates nothing; a result
is kept only when an identified resident ticks "save this to My skills" (webapp.domain.practice).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp import clock
from webapp.context import current_actor
from webapp.db import get_session, writes
from webapp.domain import practice
from webapp.domain.audit import Actor
from webapp.domain.scam_catalog import PASS_MARK, SCAMS
from webapp.domain.skills import TrainingError, all_skills, skill_or_none
from webapp.extensions import csrf
from webapp.i18n import current_locale, when_words
from webapp.messages import training_error
from webapp.models import Resident
from webapp.resident.account import signed_in_resident
from webapp.resident.blueprint import bp
from webapp.speech import speech_available, synthesise

# The pretend forms: each step is a question with choices; "time" choices are made from the clock.
FLOWS: dict[str, list[tuple[str, Any, list[tuple[str, Any]]]]] = {
    "form": [
        (
            "problem",
            _l("What is the problem?"),
            [
                ("tap", _l("A tap is leaking")),
                ("light", _l("A light does not work")),
                ("lift", _l("The lift is stuck")),
            ],
        ),
        (
            "where",
            _l("Where is it?"),
            [
                ("kitchen", _l("Kitchen")),
                ("bathroom", _l("Bathroom")),
                ("stairs", _l("Stairs or hall")),
            ],
        ),
    ],
    "appointment": [
        (
            "dept",
            _l("Which department?"),
            [
                ("general", _l("General medicine")),
                ("eyes", _l("Eyes")),
                ("teeth", _l("Teeth")),
            ],
        ),
        ("time", _l("Which time suits you?"), []),
    ],
}


def pretend_times() -> list[tuple[str, str]]:
    """Three made-up appointment times in the coming days (words only: no Slot is touched)."""
    start = clock.now().replace(minute=0, second=0, microsecond=0)
    times = [start + timedelta(days=d, hours=h) for d, h in ((1, 1), (2, 2), (3, 0))]
    return [(str(n), when_words(at)) for n, at in enumerate(times)]


def flow_state(flow: str) -> tuple[dict[str, str], int, str | None]:
    """(answers so far, index of the step to ask, error); a bad answer is asked again."""
    answers: dict[str, str] = {}
    for index, (key, _question, options) in enumerate(FLOWS[flow]):
        value = (request.args.get(key) or "")[:16]
        allowed = [v for v, _label in (options or pretend_times())]
        if not value:
            return answers, index, None
        if value not in allowed:
            return answers, index, "bad_choice"
        answers[key] = value
    return answers, len(FLOWS[flow]), None


def render_flow(face: str, flow: str) -> ResponseReturnValue:
    answers, index, error = flow_state(flow)
    steps = FLOWS[flow]
    if index < len(steps):
        key, question, options = steps[index]
        choices = [(v, str(label)) for v, label in (options or pretend_times())]
        return render_template(
            "learn/practice_flow.html",
            face=face,
            flow=flow,
            key=key,
            question=question,
            choices=choices,
            answers=answers,
            step=index + 1,
            total=len(steps),
            error=error,
        ), (400 if error else 200)
    labels = {k: dict((v, str(label)) for v, label in (o or pretend_times())) for k, _q, o in steps}
    review = [(str(q), labels[k][answers[k]]) for k, q, _o in steps]
    return render_template(
        "learn/practice_flow.html", face=face, flow=flow, review=review, answers=answers, error=None
    )


def scam_view(face: str) -> ResponseReturnValue:
    """One message per screen; after each answer, whether it was right and why."""
    answers = "".join(c for c in (request.args.get("a") or "")[: len(SCAMS)] if c in "sn")
    asking = request.args.get("q") == "1" or not answers
    if asking and len(answers) < len(SCAMS):
        return render_template(
            "learn/practice_scam.html",
            face=face,
            item=SCAMS[len(answers)],
            number=len(answers) + 1,
            total=len(SCAMS),
            answers=answers,
            mode="ask",
        )
    if asking:
        score = practice.scam_score(answers)
        return render_template(
            "learn/practice_scam.html",
            face=face,
            answers=answers,
            mode="result",
            score=score,
            total=len(SCAMS),
            passed=practice.scam_passed(answers),
            pass_mark=PASS_MARK,
        )
    index = len(answers) - 1
    right = practice.scam_answer_is_right(index, answers[-1] == "s")
    return render_template(
        "learn/practice_scam.html",
        face=face,
        item=SCAMS[index],
        number=index + 1,
        total=len(SCAMS),
        answers=answers,
        mode="answer",
        right=right,
    )


def save_practice(face: str, resident: Resident | None, actor: Actor, back: str) -> ResponseReturnValue:
    """Keep a finished practice in My skills: only for an identified resident who ticked the box."""
    kind = (request.form.get("practice") or "")[:16]
    if resident is None or kind not in practice.PRACTICES:
        abort(400)
    proof = {
        "scan": lambda: practice.was_scanned(get_session(), (request.form.get("token") or "")[:64]),
        "scam": lambda: practice.scam_passed((request.form.get("a") or "")[:32]),
    }.get(kind, lambda: True)
    db = get_session()
    try:
        if not proof():
            raise TrainingError("not_scanned" if kind == "scan" else "bad_choice")
        practice.save_result(db, actor, resident, kind, request.form.get("consent") == "1")
    except TrainingError as exc:
        return render_template(
            "learn/practice_done.html",
            face=face,
            kind=kind,
            error=training_error(exc.reason),
            token=request.form.get("token", "")[:64],
            a=request.form.get("a", "")[:32],
        ), 400
    flash(_("Saved to My skills. Well done!"), "info")
    return redirect(back, code=303)


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
