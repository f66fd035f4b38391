"""Staff on a resident's behalf: a ticket taken over the phone or at the office counter (channel "staff"),
and checking residents in at a venue by scanning their card or their ticket's QR code.

Both go through the same core as the kiosk and the phone: the same questions, eligibility and answer checks,
the same bookings; the ticket records that a member of staff submitted it for the resident.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth.policy import Permission, require
from webapp.domain.desk import bookings
from webapp.domain.desk import queue as desk
from webapp.domain.desk.catalog import AnswerErrors, NotEligible, questions_for, services_for
from webapp.domain.desk.public import ticket_for_follow_token
from webapp.domain.desk.tickets import submit
from webapp.domain.identity.cards import CardRefused, card_for_scan
from webapp.domain.privacy.audit import record
from webapp.infra.db import get_session
from webapp.models import ServiceType
from webapp.shared import wizard
from webapp.shared.context import current_actor, vault
from webapp.staff.blueprint import bp
from webapp.staff.scope import resident_or_404

CHANNEL = "staff"


def staff_questions(service: ServiceType) -> list[dict[str, Any]]:
    return questions_for(service, CHANNEL)


@bp.route("/residents/<int:resident_id>/tickets/new", methods=["GET", "POST"])
@require(Permission.VIEW_RESIDENTS)
def ticket_for_resident(resident_id: int) -> ResponseReturnValue:
    """One page: choose the service, answer its questions as the resident tells them, send."""
    resident = resident_or_404(resident_id, Permission.VIEW_RESIDENTS)
    db = get_session()
    services = services_for(db, resident.community_id, CHANNEL)
    code = request.values.get("service", "")
    service = next((s for s in services if s.code == code), None)
    errors: dict[str, str] = {}
    answers = (
        {q["id"]: request.form.get(f"a_{q['id']}", "") for q in staff_questions(service)} if service else {}
    )
    status = 200
    if request.method == "POST" and service is not None:
        try:
            done = submit(
                db,
                current_actor().helping(resident.id),
                resident,
                service,
                answers,
                CHANNEL,
                household_id=resident.household_id,
                vault=vault(),
            )
        except AnswerErrors as exc:
            errors, status = exc.errors, 400
        except NotEligible:
            errors, status = {"_": "not_eligible"}, 403
        else:
            flash(
                _("Ticket %(number)s sent for %(name)s.", number=done.request.number, name=resident.name),
                "info",
            )
            if done.numbers_hidden:
                flash(
                    _(
                        "An ID or phone number in the answers was hidden; "
                        "a mobile number is kept as the ticket's contact."
                    ),
                    "info",
                )
            return redirect(url_for("staff.ticket_detail", ticket_id=done.request.id), code=303)
    elif request.method == "POST":
        errors, status = {"service": "bad_choice"}, 400
    choices = {}
    if service is not None:
        locale = str(get_locale())
        choices = {
            q["id"]: wizard.tap_choices(db, service, q, locale)
            for q in staff_questions(service)
            if q.get("type") in ("choice", "yes_no", "slot")
        }
    return render_template(
        "staff/ticket_new.html",
        resident=resident,
        services=services,
        service=service,
        questions=staff_questions(service) if service else [],
        answers=answers,
        choices=choices,
        errors=errors,
    ), status


@bp.route("/checkin", methods=["GET", "POST"])
@require(Permission.HANDLE_TICKETS)
def venue_checkin() -> ResponseReturnValue:
    """At the venue: scan the resident's card or their ticket's QR code; today's appointment is marked."""
    scope = desk.scope_of(current_user.staff)
    db = get_session()
    result: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        scanned = (request.form.get("scan") or "").strip()[:300]
        booking = None
        try:
            if "/t/" in scanned:
                ticket = ticket_for_follow_token(db, scanned.rsplit("/t/", 1)[1])
                if ticket is None or not desk.can_see(scope, ticket):
                    raise bookings.BookingError("no_booking")
                booking = bookings.active_booking(db, ticket)
            else:
                card = card_for_scan(db, scanned)
                types = desk.visible_types(db, scope)
                found = bookings.bookings_to_check_in(db, card.resident_id, types)
                booking = found[0] if found else None
            if booking is None:
                raise bookings.BookingError("no_booking")
            bookings.check_in(db, booking)
        except (bookings.BookingError, CardRefused) as exc:
            reason = getattr(exc, "reason", "no_booking")
            result = {"error": reason if reason in ("no_booking", "not_today") else "no_booking"}
            status = 400
        else:
            resident = booking.resident
            record(
                db,
                current_actor(),
                "booking.checked_in",
                "resident",
                booking.resident_id,
                booking.request.community_id,
                ticket=booking.request.number,
            )
            result = {"booking": booking, "name": resident.name if resident else ""}
    return render_template("staff/checkin.html", result=result), status
