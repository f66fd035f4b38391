"""My requests at the kiosk: what is happening with each ticket, in big type, with one-tap answers.

The same core rules as on the phone decide who may cancel, close, reopen or rate; a helper in assisted mode
acts for the resident and is recorded as such.
"""

from __future__ import annotations

from flask import abort, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from kiosk.blueprint import bp, visit_required
from webapp.domain.desk import bookings
from webapp.domain.desk.tickets import TicketError, change_status, rate, resident_actions
from webapp.domain.kiosk.visits import visit_actor
from webapp.infra.db import get_session
from webapp.infra.i18n import current_locale
from webapp.infra.numbers import small_int
from webapp.models import Status, Ticket
from webapp.shared import confirm
from webapp.shared.labels import status_label


def ticket_or_404(number: str) -> Ticket:
    ticket = get_session().scalar(select(Ticket).where(Ticket.number == number[:16].upper()))
    if ticket is None or ticket.resident_id != g.visit.resident_id:
        abort(404)
    return ticket


@bp.get("/tickets", endpoint="my_tickets")
@visit_required
def my_tickets() -> ResponseReturnValue:
    tickets = (
        get_session()
        .scalars(
            select(Ticket)
            .options(joinedload(Ticket.service_type))
            .where(Ticket.resident_id == g.visit.resident_id)
            .order_by(Ticket.id.desc())
            .limit(8)
        )
        .all()
    )
    return render_template("kiosk/tickets.html", tickets=tickets)


def render_ticket(ticket: Ticket, error: str | None = None, status: int = 200):
    actions = resident_actions(ticket)
    return render_template(
        "kiosk/ticket.html",
        ticket=ticket,
        booking=bookings.active_booking(get_session(), ticket),
        can_rate=actions["rate"],
        can_close=actions["close"],
        can_reopen=actions["reopen"],
        can_cancel=actions["cancel"],
        error=error,
    ), status


@bp.get("/tickets/<number>", endpoint="my_ticket")
@visit_required
def my_ticket(number: str) -> ResponseReturnValue:
    return render_ticket(ticket_or_404(number))


@bp.post("/tickets/<number>", endpoint="my_ticket_answer")
@visit_required
def my_ticket_answer(number: str) -> ResponseReturnValue:
    ticket = ticket_or_404(number)
    db = get_session()
    actor = visit_actor(g.visit)
    action = request.form.get("action", "")
    booking = bookings.active_booking(db, ticket)
    asked = confirm.for_ticket(ticket, booking, current_locale())
    if action == "cancel" and not confirm.confirmed():
        return confirm.screen(
            "kiosk", asked, url_for("kiosk.my_ticket", number=ticket.number), {"action": "cancel"}
        )
    try:
        if action == "rate":
            rate(db, actor, ticket, small_int(request.form.get("stars")) or 0)
        else:
            to = {"cancel": Status.CANCELLED, "close": Status.CLOSED, "reopen": Status.IN_PROGRESS}.get(
                action
            )
            if to is None:
                raise TicketError("transition")
            change_status(db, actor, ticket, to)
    except TicketError as exc:
        return render_ticket(ticket_or_404(number), exc.reason, 400)
    if action == "cancel":
        title, message = asked.done, None
    elif action == "rate":
        title, message = _("Thank you"), _("Thank you for your rating of %(number)s.", number=ticket.number)
    else:
        title = _("Thank you")
        message = _("Done. Your ticket is now: %(status)s.", status=status_label(ticket.status))
    return render_template(
        "kiosk/done.html",
        title=title,
        message=message,
        back=url_for("kiosk.my_ticket", number=ticket.number),
    )
