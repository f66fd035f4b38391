"""Report a problem or ask for a service at the kiosk: one question per screen, big buttons, no typing.

Answers live in the kiosk session (cleared when the visit ends); the core checks them again on submit.
Free text and photos are never asked on a kiosk.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from kiosk.blueprint import bp, visit_required
from webapp.domain.desk import bookings
from webapp.domain.desk.catalog import (
    AnswerErrors,
    NotEligible,
    answered_home,
    questions_for,
    questions_say_where,
    services_for,
)
from webapp.domain.desk.tickets import submit
from webapp.domain.kiosk.visits import visit_actor
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.i18n import current_locale, when_words
from webapp.models import Booking, Category, ServiceType, Ticket
from webapp.shared import wizard
from webapp.shared.answers import slot_texts
from webapp.shared.context import base_url

REPORT = {Category.REPAIR, Category.COMPLAINT}


def kiosk_questions(service: ServiceType) -> list[dict[str, Any]]:
    return questions_for(service, "kiosk")


def service_or_404(code: str) -> ServiceType:
    for service in services_for(get_session(), g.kiosk.community_id, "kiosk"):
        if service.code == code:
            return service
    abort(404)


def answers_for(code: str) -> dict[str, Any]:
    return wizard.draft(code)


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
        wizard.save_answer(code, question["id"], (request.form.get("answer") or "")[:64])
        target = step + 1
        if target > len(questions):
            return redirect(url_for("kiosk.report_review", code=code), code=303)
        return redirect(url_for("kiosk.report_step", code=code, step=target), code=303)
    days: list[wizard.SlotDay] = []
    day = None
    if question.get("type") == "slot":
        days, day, choices = wizard.slot_step(get_session(), service, request.args.get("day"))
    else:
        choices = wizard.tap_choices(get_session(), service, question, str(get_locale()))
    return render_template(
        "kiosk/report_step.html",
        service=service,
        question=question,
        step=step,
        total=len(questions) + 1,
        chosen=answers_for(code).get(question["id"]),
        days=days,
        day=day,
        choices=choices,
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
                household_id=resident.household_id if answered_home(service, answers) else None,
                building_id=resident.household.building_id if resident.household else None,
            )
        except AnswerErrors as exc:
            errors = exc.errors
            status = 400
        except NotEligible:
            errors = {"_": "not_eligible"}
            status = 403
        else:
            wizard.clear()
            url = f"{base_url()}/t/{done.follow_token}"
            booking = bookings.active_booking(db, done.request)
            return render_template(
                "kiosk/report_done.html",
                ticket=done.request,
                booking=booking,
                url=url,
                printer=g.kiosk.has_printer,
                print_job=print_job(done.request, booking, url),
            )
    return render_template(
        "kiosk/report_review.html",
        service=service,
        questions=questions,
        answers=answers,
        slots=slot_texts(questions, answers),
        errors=errors,
        total=len(questions) + 1,
        ask_where=not questions_say_where(service),
        now=clock.now(),
    ), status


def print_job(ticket: Ticket, booking: Booking | None, url: str) -> dict[str, Any]:
    """The ticket as the hardware bridge prints it (POST /print), in the resident's language: an appointment's
    time, place and what to bring; otherwise when we will answer."""
    locale = current_locale()
    lines = [_("Sent: %(when)s", when=when_words(ticket.submitted_at))]
    if booking is not None:
        lines.append(_("When: %(when)s", when=when_words(booking.slot.starts_at)))
        lines.append(_("Where: %(place)s", place=booking.slot.place))
        if bring := ticket.service_type.bring_words(locale):
            lines.append(_("Please bring: %(things)s", things=bring))
    else:
        lines.append(_("We will answer by %(when)s.", when=when_words(ticket.due_at)))
    return {
        "community": g.kiosk.community.name(locale),
        "number": ticket.number,
        "title": ticket.service_type.name(locale),
        "lines": lines,
        "qr": url,
        "footer": _("Scan the QR code to follow your request on your phone."),
    }
