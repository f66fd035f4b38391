"""My requests on the phone: each ticket's plain timeline, news, rating faces, cancel/close/reopen, the
appointment time; and "I'm fine today". Every rule is the core's; this module maps posts to calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from webapp.auth.principals import the_resident
from webapp.domain.desk import bookings
from webapp.domain.desk.notifications import mark_seen, unseen
from webapp.domain.desk.tickets import TicketError, change_status, rate, resident_actions
from webapp.infra.db import get_session, writes
from webapp.infra.i18n import current_locale
from webapp.infra.numbers import small_int
from webapp.models import Photo, Status, Ticket
from webapp.resident.account import resident_required, signed_in_resident
from webapp.resident.ask import CHANNEL, outbox_errors
from webapp.resident.blueprint import bp
from webapp.resident.idempotency import submit_once, wants_json
from webapp.shared import confirm
from webapp.shared.answers import news_lines
from webapp.shared.context import current_actor
from webapp.shared.labels import status_label
from webapp.shared.messages import desk_error


def my_ticket_or_404(number: str) -> Ticket:
    resident = signed_in_resident()
    ticket = get_session().scalar(select(Ticket).where(Ticket.number == number[:16].upper()))
    if ticket is None or resident is None or ticket.resident_id != resident.id:
        abort(404)
    return ticket


@bp.get("/tickets")
@writes  # marks news as seen
@resident_required
def my_tickets() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    tickets = db.scalars(
        select(Ticket)
        .options(joinedload(Ticket.service_type))
        .where(Ticket.resident_id == resident.id)
        .order_by(Ticket.id.desc())
        .limit(100)
    ).all()
    news = unseen(db, resident.id, limit=10)
    if news:
        mark_seen(db, resident.id, [n.id for n in news])
    return render_template("resident/tickets.html", tickets=tickets, news=news_lines(news))


def render_request(ticket: Ticket, errors: dict[str, str] | None = None, status: int = 200):
    db = get_session()
    booking = bookings.active_booking(db, ticket)
    photos = db.scalars(select(Photo.token).where(Photo.request_id == ticket.id)).all()
    return render_template(
        "resident/ticket.html",
        ticket=ticket,
        booking=booking,
        slots=bookings.open_slots(db, ticket.service_type)
        if booking and ticket.status in (Status.SUBMITTED, Status.ACCEPTED)
        else [],
        actions=resident_actions(ticket),
        errors=errors or {},
        form=request.form if request.method == "POST" else {},
        photos=photos,
    ), status


@bp.get("/tickets/<number>")
@resident_required
def my_ticket(number: str) -> ResponseReturnValue:
    return render_request(my_ticket_or_404(number))


@bp.post("/tickets/<number>/status")
@resident_required
def my_ticket_status(number: str) -> ResponseReturnValue:
    ticket = my_ticket_or_404(number)
    wanted = {"cancel": Status.CANCELLED, "close": Status.CLOSED, "reopen": Status.IN_PROGRESS}
    to = wanted.get(request.form.get("action", ""))
    db = get_session()
    asked = confirm.for_ticket(ticket, bookings.active_booking(db, ticket), current_locale())
    if to == Status.CANCELLED and not confirm.confirmed():
        keep = url_for("resident.my_ticket", number=ticket.number)
        return confirm.screen("resident", asked, keep, {"action": "cancel"})
    try:
        if to is None:
            raise TicketError("transition")
        change_status(db, current_actor(), ticket, to, request.form.get("note") or "")
    except TicketError as exc:
        return render_request(my_ticket_or_404(number), {"status": exc.reason}, 400)
    if to == Status.CANCELLED:
        flash(asked.done, "info")
    else:
        flash(_("Done. Your ticket is now: %(status)s.", status=status_label(ticket.status)), "info")
    return redirect(url_for("resident.my_ticket", number=ticket.number), code=303)


Work = Callable[[Session], tuple[int, dict[str, Any]]]


def answer_both_ways(ticket: Ticket, field: str, work: Work, done: str) -> ResponseReturnValue:
    """Run *work* once: for the outbox as an idempotent JSON answer, for a form as a page or a redirect."""
    if wants_json():
        return submit_once(f"resident:{ticket.resident_id}", work)
    db = get_session()
    status, payload = work(db)
    if status >= 400:
        return render_request(my_ticket_or_404(ticket.number), {field: payload["code"]}, status)
    flash(done, "info")
    return redirect(url_for("resident.my_ticket", number=ticket.number), code=303)


def refused(status: int, code: str) -> tuple[int, dict[str, Any]]:
    return status, {"ok": False, "code": code, "errors": [desk_error(code)]}


@bp.post("/tickets/<number>/rate")
@resident_required
def my_ticket_rate(number: str) -> ResponseReturnValue:
    ticket = my_ticket_or_404(number)
    stars = small_int(request.form.get("stars")) or 0
    words = (request.form.get("words") or "")[:2000]

    def work(db: Session) -> tuple[int, dict[str, Any]]:
        try:
            rate(db, current_actor(), ticket, stars, words)
        except TicketError as exc:
            return refused(400, exc.reason)
        return 200, {"ok": True, "url": url_for("resident.my_ticket", number=ticket.number)}

    return answer_both_ways(ticket, "rate", work, _("Thank you for your rating."))


@bp.post("/tickets/<number>/slot")
@resident_required
def my_ticket_slot(number: str) -> ResponseReturnValue:
    ticket = my_ticket_or_404(number)
    slot_id = small_int(request.form.get("slot")) or 0

    def work(db: Session) -> tuple[int, dict[str, Any]]:
        if ticket.status not in (Status.SUBMITTED, Status.ACCEPTED):
            return refused(400, "transition")
        try:
            bookings.change(db, ticket, slot_id)
        except bookings.BookingError as exc:
            status, payload = outbox_errors({"slot": exc.reason})
            return (409 if exc.reason == "full" else 400), {**payload, "code": exc.reason}
        return 200, {"ok": True, "url": url_for("resident.my_ticket", number=ticket.number)}

    return answer_both_ways(ticket, "slot", work, _("Your appointment has been changed."))


@bp.get("/tickets/<number>/photo/<token>")
@resident_required
def my_ticket_photo(number: str, token: str) -> ResponseReturnValue:
    ticket = my_ticket_or_404(number)
    photo = get_session().scalar(
        select(Photo).where(Photo.request_id == ticket.id, Photo.token == token[:32])
    )
    if photo is None:
        abort(404)
    return Response(photo.content, mimetype="image/jpeg")


@bp.post("/checkin")
@resident_required
def checkin() -> ResponseReturnValue:
    """ "I'm fine today" from the phone: the same daily check-in as at the kiosk (care list)."""
    from webapp.domain.kiosk.care import check_in

    resident = the_resident()

    def work(db: Session) -> tuple[int, dict[str, Any]]:
        check_in(db, current_actor(), resident, CHANNEL)
        return 200, {"ok": True, "url": url_for("resident.me"), "message": _("Thank you. Have a good day!")}

    if wants_json():
        return submit_once(f"resident:{resident.id}", work)
    db = get_session()
    work(db)
    flash(_("We have noted that you are fine today."), "info")
    return redirect(url_for("resident.me"), code=303)
