"""Residents on their phone: ask for a service (one question per screen), follow their tickets, rate them.

Every rule (who may cancel, reopen or rate; whether a slot is free; whether a photo is a photo) is the core's;
this module turns form posts into calls and errors into words beside the question, keeping what was entered.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp import clock, wizard
from webapp.context import current_actor
from webapp.db import get_session
from webapp.domain import bookings
from webapp.domain.catalog import AnswerErrors, NotEligible, check_eligible, check_one, services_for
from webapp.domain.notifications import mark_seen, unseen
from webapp.domain.photos import MAX_BYTES, PhotoError, owned_photo, store_photo
from webapp.domain.tickets import REOPEN_WITHIN, TicketError, change_status, rate, submit
from webapp.labels import category_label, status_label
from webapp.models import Building, Category, Photo, ServiceRequest, ServiceType, Status
from webapp.numbers import small_int
from webapp.resident.account import resident_required, signed_in_resident
from webapp.resident.blueprint import bp

CHANNEL = "phone"


def service_or_404(code: str) -> ServiceType:
    resident = signed_in_resident()
    assert resident is not None  # noqa: S101 (resident_required ran first)
    for service in services_for(get_session(), resident.community_id, CHANNEL):
        if service.code == code[:32]:
            return service
    abort(404)


def my_ticket_or_404(number: str) -> ServiceRequest:
    resident = signed_in_resident()
    ticket = get_session().scalar(select(ServiceRequest).where(ServiceRequest.number == number[:16].upper()))
    if ticket is None or resident is None or ticket.resident_id != resident.id:
        abort(404)
    return ticket


@bp.get("/ask")
@resident_required
def ask() -> ResponseReturnValue:
    resident = signed_in_resident()
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
) -> ResponseReturnValue:
    question = questions[step - 1]
    photo = None
    if question.get("type") == "photo" and value:
        photo = owned_photo(get_session(), signed_in_resident().id, str(value))
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
        choices=wizard.tap_choices(get_session(), service, question, str(get_locale()))
        if question.get("type") in ("choice", "yes_no", "slot")
        else [],
    ), (400 if error else 200)


@bp.route("/ask/<code>/<int:step>", methods=["GET", "POST"])
@resident_required
def ask_step(code: str, step: int) -> ResponseReturnValue:
    service = service_or_404(code)
    questions = wizard.questions_for(service, CHANNEL)
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
                photo = store_photo(get_session(), signed_in_resident().id, upload.stream.read(MAX_BYTES + 1))
            except PhotoError as exc:
                get_session().rollback()
                return render_step(service, questions, step, value, exc.reason)
            get_session().commit()
            value = photo.token
            wizard.save_answer(code, question["id"], value)
            return redirect(url_for("resident.ask_step", code=code, step=step), code=303)
    if len(value) > wizard.ANSWER_MAX:
        return render_step(service, questions, step, value[: wizard.ANSWER_MAX], "too_long")
    error = check_one(question, value, CHANNEL)
    if error:
        return render_step(service, questions, step, value, error)
    wizard.save_answer(code, question["id"], value)
    if step >= len(questions):
        return redirect(url_for("resident.ask_review", code=code), code=303)
    return redirect(url_for("resident.ask_step", code=code, step=step + 1), code=303)


def buildings() -> list[Building]:
    resident = signed_in_resident()
    return list(
        get_session().scalars(
            select(Building).where(Building.community_id == resident.community_id).order_by(Building.number)
        )
    )


@bp.route("/ask/<code>/review", methods=["GET", "POST"])
@resident_required
def ask_review(code: str) -> ResponseReturnValue:
    service = service_or_404(code)
    resident = signed_in_resident()
    questions = wizard.questions_for(service, CHANNEL)
    answers = wizard.draft(code)
    errors: dict[str, str] = {}
    where = (
        request.form.get("where")
        or wizard.saved_extra(code, "where")
        or ("home" if resident.household else "common")
    )
    place = (request.form.get("place") or wizard.saved_extra(code, "place") or "")[:120]
    building_id = small_int(request.form.get("building") or wizard.saved_extra(code, "building"))
    status = 200
    if request.method == "POST":
        wizard.save_extra(code, where=where, place=place, building=str(building_id or ""))
        db = get_session()
        common = where == "common" or resident.household is None
        if common and not place.strip():
            errors["place"] = "required"
        if building_id is not None and building_id not in {b.id for b in buildings()}:
            building_id = None
        if not errors:
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
                )
            except AnswerErrors as exc:
                db.rollback()
                errors = exc.errors
            except NotEligible:
                db.rollback()
                errors = {"_": "not_eligible"}
            else:
                db.commit()
                wizard.clear()
                flash(_("Sent. Your ticket number is %(number)s.", number=done.request.number), "info")
                return redirect(url_for("resident.my_request", number=done.request.number), code=303)
        status = 400
    steps = {q["id"]: n for n, q in enumerate(questions, start=1)}
    return render_template(
        "resident/ask_review.html",
        service=service,
        questions=questions,
        answers=answers,
        errors=errors,
        steps=steps,
        where=where,
        place=place,
        building_id=building_id,
        buildings=buildings(),
        resident=resident,
        total=len(questions) + 1,
    ), status


@bp.get("/requests")
@resident_required
def my_requests() -> ResponseReturnValue:
    resident = signed_in_resident()
    db = get_session()
    tickets = db.scalars(
        select(ServiceRequest)
        .options(joinedload(ServiceRequest.service_type))
        .where(ServiceRequest.resident_id == resident.id)
        .order_by(ServiceRequest.id.desc())
        .limit(100)
    ).all()
    news = unseen(db, resident.id, limit=10)
    if news:
        mark_seen(db, resident.id, [n.id for n in news])
        db.commit()
    return render_template("resident/requests.html", tickets=tickets, news=news)


def actions_for(ticket: ServiceRequest) -> dict[str, bool]:
    """Which buttons to offer; the core decides again when one is pressed."""
    now = clock.now()
    reopenable = ticket.resolved_at is not None and now - ticket.resolved_at <= REOPEN_WITHIN
    return {
        "cancel": ticket.status in (Status.SUBMITTED, Status.ACCEPTED),
        "close": ticket.status == Status.RESOLVED,
        "reopen": ticket.status in (Status.RESOLVED, Status.CLOSED) and reopenable,
        "rate": ticket.status in (Status.RESOLVED, Status.CLOSED) and ticket.rating is None,
    }


def render_request(ticket: ServiceRequest, errors: dict[str, str] | None = None, status: int = 200):
    db = get_session()
    booking = bookings.active_booking(db, ticket)
    photos = db.scalars(select(Photo.token).where(Photo.request_id == ticket.id)).all()
    return render_template(
        "resident/request.html",
        ticket=ticket,
        booking=booking,
        slots=bookings.open_slots(db, ticket.service_type)
        if booking and ticket.status in (Status.SUBMITTED, Status.ACCEPTED)
        else [],
        actions=actions_for(ticket),
        errors=errors or {},
        form=request.form if request.method == "POST" else {},
        photos=photos,
    ), status


@bp.get("/requests/<number>")
@resident_required
def my_request(number: str) -> ResponseReturnValue:
    return render_request(my_ticket_or_404(number))


@bp.post("/requests/<number>/status")
@resident_required
def my_request_status(number: str) -> ResponseReturnValue:
    ticket = my_ticket_or_404(number)
    wanted = {"cancel": Status.CANCELLED, "close": Status.CLOSED, "reopen": Status.IN_PROGRESS}
    to = wanted.get(request.form.get("action", ""))
    db = get_session()
    try:
        if to is None:
            raise TicketError("transition")
        change_status(db, current_actor(), ticket, to, (request.form.get("note") or "")[:2000])
    except TicketError as exc:
        db.rollback()
        return render_request(my_ticket_or_404(number), {"status": exc.reason}, 400)
    db.commit()
    flash(_("Done. Your ticket is now: %(status)s.", status=status_label(ticket.status)), "info")
    return redirect(url_for("resident.my_request", number=ticket.number), code=303)


@bp.post("/requests/<number>/rate")
@resident_required
def my_request_rate(number: str) -> ResponseReturnValue:
    ticket = my_ticket_or_404(number)
    db = get_session()
    try:
        rate(
            db,
            current_actor(),
            ticket,
            small_int(request.form.get("stars")) or 0,
            (request.form.get("words") or "")[:2000],
        )
    except TicketError as exc:
        db.rollback()
        return render_request(my_ticket_or_404(number), {"rate": exc.reason}, 400)
    db.commit()
    flash(_("Thank you for your rating."), "info")
    return redirect(url_for("resident.my_request", number=ticket.number), code=303)


@bp.post("/requests/<number>/slot")
@resident_required
def my_request_slot(number: str) -> ResponseReturnValue:
    ticket = my_ticket_or_404(number)
    db = get_session()
    if ticket.status not in (Status.SUBMITTED, Status.ACCEPTED):
        return render_request(ticket, {"slot": "transition"}, 400)
    try:
        bookings.change(db, ticket, small_int(request.form.get("slot")) or 0)
    except bookings.BookingError as exc:
        db.rollback()
        return render_request(
            my_ticket_or_404(number), {"slot": exc.reason}, 409 if exc.reason == "full" else 400
        )
    db.commit()
    flash(_("Your appointment has been changed."), "info")
    return redirect(url_for("resident.my_request", number=ticket.number), code=303)


@bp.get("/requests/<number>/photo/<token>")
@resident_required
def my_request_photo(number: str, token: str) -> ResponseReturnValue:
    ticket = my_ticket_or_404(number)
    photo = get_session().scalar(
        select(Photo).where(Photo.request_id == ticket.id, Photo.token == token[:32])
    )
    if photo is None:
        abort(404)
    return Response(photo.content, mimetype="image/jpeg")


@bp.get("/ask/photo/<token>")
@resident_required
def draft_photo(token: str) -> ResponseReturnValue:
    photo = owned_photo(get_session(), signed_in_resident().id, token)
    if photo is None:
        abort(404)
    return Response(photo.content, mimetype="image/jpeg")


def unseen_count() -> int:
    resident = signed_in_resident()
    return len(unseen(get_session(), resident.id)) if resident else 0


@bp.errorhandler(413)
def too_large(error: Exception) -> ResponseReturnValue:
    """A photo over the upload limit: say so beside the question, with every earlier answer still there."""
    from webapp.errors import MESSAGES, render_error

    args = request.view_args or {}
    if request.endpoint == "resident.ask_step" and signed_in_resident() is not None:
        service = service_or_404(str(args.get("code", "")))
        questions = wizard.questions_for(service, CHANNEL)
        step = int(args.get("step", 1))
        if 1 <= step <= len(questions):
            page, _status = render_step(service, questions, step, None, "photo_too_big")
            return page, 413
    return render_error(413, *MESSAGES[413])
