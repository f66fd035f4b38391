"""Asking for a service on the phone: one question per screen (a photo where the service asks for one),
then a review in plain words. What was entered is kept in the session until sent; an outbox entry carries it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.auth.principals import the_resident
from webapp.domain.desk.catalog import (
    AnswerErrors,
    NotEligible,
    answered_home,
    check_eligible,
    check_one,
    questions_for,
    questions_say_where,
    services_for,
)
from webapp.domain.desk.photos import MAX_BYTES, PhotoError, owned_photo, store_photo
from webapp.domain.desk.tickets import submit
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.models import Building, Category, Resident, ServiceType, Ticket
from webapp.resident.account import resident_required, signed_in_resident
from webapp.resident.blueprint import bp
from webapp.resident.idempotency import submit_once, wants_json
from webapp.shared import wizard
from webapp.shared.answers import slot_texts
from webapp.shared.context import current_actor, vault
from webapp.shared.labels import category_label
from webapp.shared.messages import desk_error

CHANNEL = "phone"


def service_or_404(code: str) -> ServiceType:
    resident = the_resident()
    for service in services_for(get_session(), resident.community_id, CHANNEL):
        if service.code == code[:32]:
            return service
    abort(404)


@bp.get("/ask")
@resident_required
def ask() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    today = clock.now().date()
    groups: dict[Category, list[tuple[ServiceType, bool]]] = {}
    for service in services_for(db, resident.community_id, CHANNEL):
        try:
            check_eligible(service, resident, CHANNEL, today)
            allowed = True
        except NotEligible:
            allowed = False
        groups.setdefault(service.category, []).append((service, allowed))
    return render_template(
        "resident/ask.html", groups=[(category_label(c), items) for c, items in groups.items()]
    )


def render_step(
    service: ServiceType, questions: list[dict[str, Any]], step: int, value: Any, error: str | None
) -> tuple[str, int]:
    question = questions[step - 1]
    photo = None
    if question.get("type") == "photo" and value:
        photo = owned_photo(get_session(), the_resident().id, str(value))
    days: list[wizard.SlotDay] = []
    day = None
    choices: list[tuple[str, str]] = []
    if question.get("type") == "slot":
        days, day, choices = wizard.slot_step(get_session(), service, request.args.get("day"))
    elif question.get("type") in ("choice", "yes_no"):
        choices = wizard.tap_choices(get_session(), service, question, str(get_locale()))
    return render_template(
        "resident/ask_step.html",
        service=service,
        question=question,
        step=step,
        total=len(questions) + 1,
        value=value,
        error=error,
        photo=photo,
        max_mb=MAX_BYTES // (1024 * 1024),
        days=days,
        day=day,
        choices=choices,
    ), (400 if error else 200)


@bp.route("/ask/<code>/<int:step>", methods=["GET", "POST"])
@resident_required
def ask_step(code: str, step: int) -> ResponseReturnValue:
    service = service_or_404(code)
    questions = questions_for(service, CHANNEL)
    if step < 1 or step > len(questions):
        return redirect(url_for("resident.ask_review", code=service.code))
    question = questions[step - 1]
    if request.method == "GET":
        return render_step(service, questions, step, wizard.draft(code).get(question["id"]), None)
    value = (request.form.get("answer") or "").strip()
    if question.get("type") == "photo":
        upload = request.files.get("photo")
        value = wizard.draft(code).get(question["id"]) or ""
        if request.form.get("remove"):
            value = ""
        elif upload is not None and upload.filename:
            try:
                photo = store_photo(get_session(), the_resident().id, upload.stream.read(MAX_BYTES + 1))
            except PhotoError as exc:
                return render_step(service, questions, step, value, exc.reason)
            value = photo.token
            wizard.save_answer(code, question["id"], value)
            return redirect(url_for("resident.ask_step", code=code, step=step), code=303)
    if len(value) > wizard.ANSWER_MAX:
        return render_step(service, questions, step, value[: wizard.ANSWER_MAX], "too_long")
    error = check_one(question, value)
    if error:
        return render_step(service, questions, step, value, error)
    wizard.save_answer(code, question["id"], value)
    if step >= len(questions):
        return redirect(url_for("resident.ask_review", code=code), code=303)
    return redirect(url_for("resident.ask_step", code=code, step=step + 1), code=303)


def buildings() -> list[Building]:
    resident = the_resident()
    return list(
        get_session().scalars(
            select(Building).where(Building.community_id == resident.community_id).order_by(Building.number)
        )
    )


def send_request(
    db: Session,
    resident: Resident,
    service: ServiceType,
    answers: dict[str, Any],
    where: str,
    place: str,
    building_id: int | None,
) -> tuple[Ticket | None, dict[str, str]]:
    """Submit (without committing); returns the ticket, or the core's errors by question id (and "place",
    "building") to show beside each."""
    if questions_say_where(service):  # asked once, among the questions: never again on the review
        where, place = ("home" if answered_home(service, answers) else "common"), ""
        building_id = resident.household.building_id if resident.household else None
    common = where == "common" or resident.household is None
    try:
        done = submit(
            db,
            current_actor(),
            resident,
            service,
            answers,
            CHANNEL,
            household_id=None if common else resident.household_id,
            place=place if common else None,
            building_id=building_id if common else None,
            vault=vault(),
        )
    except AnswerErrors as exc:
        return None, exc.errors
    except NotEligible:
        return None, {"_": "not_eligible"}
    return done.request, {"_hidden": "numbers"} if done.numbers_hidden else {}


def numbers_hidden_message() -> str:
    return _(
        "For your safety we hid the ID or phone number you typed, so that it is not stored where others "
        "could read it. A mobile number is kept locked away for staff who need to call you back."
    )


def answers_from_form(code: str, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The answers carried in the review form itself (so an outbox entry is complete), else the draft."""
    carried = {q["id"]: request.form[f"a_{q['id']}"] for q in questions if f"a_{q['id']}" in request.form}
    return carried or wizard.draft(code)


def outbox_errors(errors: dict[str, str]) -> tuple[int, dict[str, Any]]:
    conflict = any(code in ("full", "past") for code in errors.values())
    return (409 if conflict else 422), {
        "ok": False,
        "errors": [desk_error(code) for code in errors.values()],
        "next": _("Open the request again, choose another answer and send it."),
    }


@bp.route("/ask/<code>/review", methods=["GET", "POST"])
@resident_required
def ask_review(code: str) -> ResponseReturnValue:
    service = service_or_404(code)
    resident = the_resident()
    questions = questions_for(service, CHANNEL)
    answers = answers_from_form(code, questions) if request.method == "POST" else wizard.draft(code)
    errors: dict[str, str] = {}
    where = (
        request.form.get("where")
        or wizard.saved_extra(code, "where")
        or ("home" if resident.household else "common")
    )
    place = (request.form.get("place") or wizard.saved_extra(code, "place") or "")[:120]
    building_id = small_int(request.form.get("building") or wizard.saved_extra(code, "building"))
    status = 200
    if request.method == "POST" and wants_json():

        def work(db: Session) -> tuple[int, dict[str, Any]]:
            ticket, problems = send_request(db, resident, service, answers, where, place, building_id)
            if ticket is None:
                return outbox_errors(problems)
            url = url_for("resident.my_ticket", number=ticket.number)
            answer = {"ok": True, "number": ticket.number, "url": url}
            if problems:
                answer["notice"] = numbers_hidden_message()
            return 201, answer

        return submit_once(f"resident:{resident.id}", work)
    if request.method == "POST":
        wizard.save_extra(code, where=where, place=place, building=str(building_id or ""))
        db = get_session()
        ticket, errors = send_request(db, resident, service, answers, where, place, building_id)
        if ticket is not None:
            wizard.clear()
            flash(_("Sent. Your ticket number is %(number)s.", number=ticket.number), "info")
            if errors:
                flash(numbers_hidden_message(), "info")
            return redirect(url_for("resident.my_ticket", number=ticket.number), code=303)
        status = 400
    steps = {q["id"]: n for n, q in enumerate(questions, start=1)}
    return render_template(
        "resident/ask_review.html",
        service=service,
        questions=questions,
        answers=answers,
        slots=slot_texts(questions, answers),
        errors=errors,
        steps=steps,
        where=where,
        place=place,
        building_id=building_id,
        buildings=buildings(),
        ask_where=not questions_say_where(service),
        resident=resident,
        total=len(questions) + 1,
    ), status


@bp.get("/ask/photo/<token>")
@resident_required
def draft_photo(token: str) -> ResponseReturnValue:
    photo = owned_photo(get_session(), the_resident().id, token)
    if photo is None:
        abort(404)
    return Response(photo.content, mimetype="image/jpeg")


@bp.errorhandler(413)
def too_large(error: Exception) -> ResponseReturnValue:
    """A photo over the upload limit: say so beside the question, with every earlier answer still there."""
    from webapp.infra.errors import MESSAGES, render_error

    args = request.view_args or {}
    if request.endpoint == "resident.ask_step" and signed_in_resident() is not None:
        service = service_or_404(str(args.get("code", "")))
        questions = questions_for(service, CHANNEL)
        step = int(args.get("step", 1))
        if 1 <= step <= len(questions):
            page, _status = render_step(service, questions, step, None, "photo_too_big")
            return page, 413
    return render_error(413, *MESSAGES[413])
