"""Report a problem or ask for a service at the kiosk: one question per screen, big buttons, no typing.

Answers live in the kiosk session (cleared when the visit ends); the core checks them again on submit.
Free text and photos are never asked on a kiosk.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from kiosk.routes import bp, visit_required
from webapp import clock
from webapp.context import base_url
from webapp.db import get_session
from webapp.domain.catalog import AnswerErrors, NotEligible, services_for
from webapp.domain.tickets import submit
from webapp.domain.visits import visit_actor
from webapp.models import Category, ServiceType

KIOSK_TYPES = {"choice", "yes_no", "number", "date"}
REPORT = {Category.REPAIR, Category.COMPLAINT}


def kiosk_questions(service: ServiceType) -> list[dict[str, Any]]:
    return [q for q in service.questions or [] if q.get("type") in KIOSK_TYPES]


def service_or_404(code: str) -> ServiceType:
    for service in services_for(get_session(), g.kiosk.community_id, "kiosk"):
        if service.code == code:
            return service
    abort(404)


def answers_for(code: str) -> dict[str, Any]:
    draft = session.get("draft") or {}
    return draft.get("answers", {}) if draft.get("code") == code else {}


@bp.get("/report", endpoint="report")
@visit_required
def report_menu() -> ResponseReturnValue:
    kind = "report" if request.args.get("kind", "report") == "report" else "ask"
    services = [
        s
        for s in services_for(get_session(), g.kiosk.community_id, "kiosk")
        if (s.category in REPORT) == (kind == "report")
    ]
    return render_template("kiosk/report_menu.html", services=services, kind=kind)


@bp.route("/report/<code>/<int:step>", methods=["GET", "POST"], endpoint="report_step")
@visit_required
def report_step(code: str, step: int) -> ResponseReturnValue:
    service = service_or_404(code)
    questions = kiosk_questions(service)
    if step < 1 or step > len(questions):
        return redirect(url_for("kiosk.report_review", code=code))
    question = questions[step - 1]
    if request.method == "POST":
        answer = (request.form.get("answer") or "")[:64]
        session["draft"] = {"code": code, "answers": {**answers_for(code), question["id"]: answer}}
        target = step + 1
        if target > len(questions):
            return redirect(url_for("kiosk.report_review", code=code), code=303)
        return redirect(url_for("kiosk.report_step", code=code, step=target), code=303)
    return render_template(
        "kiosk/report_step.html",
        service=service,
        question=question,
        step=step,
        total=len(questions) + 1,
        chosen=answers_for(code).get(question["id"]),
    )


@bp.route("/report/<code>/review", methods=["GET", "POST"], endpoint="report_review")
@visit_required
def report_review(code: str) -> ResponseReturnValue:
    service = service_or_404(code)
    questions = kiosk_questions(service)
    answers = answers_for(code)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        db = get_session()
        visit = g.visit
        resident = visit.resident
        try:
            done = submit(
                db,
                visit_actor(visit),
                resident,
                service,
                answers,
                f"kiosk:{g.kiosk.id}",
                household_id=resident.household_id,
            )
        except AnswerErrors as exc:
            db.rollback()
            errors = exc.errors
            status = 400
        except NotEligible:
            db.rollback()
            errors = {"_": "not_eligible"}
            status = 403
        else:
            db.commit()
            session.pop("draft", None)
            return render_template(
                "kiosk/report_done.html",
                ticket=done.request,
                url=f"{base_url()}/t/{done.follow_token}",
                printer=g.kiosk.has_printer,
            )
    return render_template(
        "kiosk/report_review.html",
        service=service,
        questions=questions,
        answers=answers,
        errors=errors,
        total=len(questions) + 1,
        now=clock.now(),
    ), status


def answer_label(question: dict[str, Any], value: Any, locale: str) -> str:
    """An answer in plain words, for the review screen."""
    if value in (None, ""):
        return _("Not answered")
    if question.get("type") == "yes_no":
        return _("Yes") if value == "yes" else _("No")
    for option in question.get("options", []):
        if option["value"] == value:
            return option["label"].get(locale) or option["label"]["zh_Hans"]
    return str(value)


@bp.app_template_global()
def kiosk_answer(question: dict[str, Any], value: Any, locale: str) -> str:
    return answer_label(question, value, locale)
