"""Practice mode as kiosk and phone both show it: the pretend forms, the scam quiz, keeping a finished
practice.

The faces only choose the layout (`face`) and where to go back to; the steps, answers and scoring are the
same.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.content.scams import PASS_MARK, SCAMS
from webapp.domain.privacy.audit import Actor
from webapp.domain.training import practice
from webapp.domain.training.skills import TrainingError
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.i18n import when_words
from webapp.models import Resident
from webapp.shared.messages import training_error

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
