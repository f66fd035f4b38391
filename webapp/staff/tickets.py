"""The services desk in the console: the queue, one ticket, status changes, notes, assignment, CSV export.

Which tickets a person sees is decided by webapp.domain.desk.scope_of; a ticket outside it is a 404 (audited),
the same answer as a ticket that does not exist.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.auth.policy import Permission, deny, may_cancel_ticket, require
from webapp.domain.desk import queue as desk
from webapp.domain.desk.bookings import active_booking
from webapp.domain.desk.tickets import (
    NOTE_MAX,
    OPEN,
    TRANSITIONS,
    TicketError,
    add_note,
    assign,
    change_status,
    is_overdue,
)
from webapp.domain.privacy.audit import record
from webapp.infra import clock
from webapp.infra.db import get_session, writes
from webapp.infra.i18n import current_locale
from webapp.infra.numbers import small_int
from webapp.infra.security import background
from webapp.models import Building, Category, Photo, Role, StaffRole, StaffUser, Status, Ticket
from webapp.shared.context import current_actor
from webapp.shared.labels import category_label, channel_label, status_label, unit_label
from webapp.shared.messages import desk_error
from webapp.staff.blueprint import bp

BULK_TARGETS = (Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)  # never a cancellation


def my_scope() -> desk.TicketScope:
    return desk.scope_of(current_user.staff)


def ticket_or_404(ticket_id: int) -> Ticket:
    ticket = get_session().get(Ticket, ticket_id)
    if ticket is None or not desk.can_see(my_scope(), ticket):
        deny(subject_type="service_request", subject_id=ticket_id)
        abort(404)
    return ticket


# The queue's filters, the only query keys its links carry on: anything else in the address (url_for's own
# `_scheme`/`_external`, the CSV's `format`) would reach url_for as an argument and change the link or fail.
FILTER_KEYS = ("status", "category", "building", "unit", "overdue", "mine", "number")


def filter_args(args: Mapping[str, str]) -> dict[str, Any]:
    """The queue's filters in *args*, as url_for's keywords (typed as its `**values` are)."""
    return {k: args[k] for k in FILTER_KEYS if args.get(k)}


def filters_from(args: dict[str, str]) -> desk.QueueFilter:
    status = args.get("status") or "open"
    if status not in ("open", "all", *(s.value for s in Status)):
        status = "open"
    category = args.get("category") or None
    if category not in {c.value for c in Category}:
        category = None
    return desk.QueueFilter(
        status=status,
        category=category,
        building_id=small_int(args.get("building")),
        unit=(args.get("unit") or None),
        overdue=args.get("overdue") == "1",
        mine=args.get("mine") == "1",
        number=(args.get("number") or "").strip()[:16] or None,
        page=small_int(args.get("page")) or 1,
        before=small_int(args.get("before")),
        after=small_int(args.get("after")),
    )


def buildings_of(scope: desk.TicketScope) -> list[Building]:
    return list(
        get_session().scalars(
            select(Building)
            .where(Building.community_id.in_(scope.community_ids))
            .order_by(Building.community_id, Building.number)
        )
    )


@bp.get("/tickets")
@require(Permission.HANDLE_TICKETS)
def tickets() -> ResponseReturnValue:
    scope = my_scope()
    db = get_session()
    f = filters_from(request.args.to_dict())
    page = desk.queue(db, scope, f, current_user.staff.id)
    args = filter_args(request.args)
    now = clock.now()
    locale, zone = current_locale(), str(get_timezone())
    return render_template(
        "staff/tickets.html",
        page=page,
        f=f,
        args=args,
        now=now,
        row_keys=[queue_row_key(t, now, locale, zone) for t in page.tickets],
        buildings=buildings_of(scope),
        units=desk.units_of(db, scope),
        categories=list(Category),
        statuses=list(Status),
        # Each row names its status and kind of service: the words looked up once per page, not per row.
        status_words={s: status_label(s) for s in Status},
        category_words={c: category_label(c) for c in Category},
        newest=desk.newest_id(db, scope),
        is_overdue=is_overdue,
        open_statuses=OPEN,
        bulk_targets=BULK_TARGETS,
    )


def queue_row_key(t: Ticket, now: datetime, locale: str, zone: str) -> tuple[object, ...]:
    """Every value one row of the queue shows (templates/staff/tickets.html, its `remembered` block): a row is
    rendered once per process for each such key (webapp/infra/fragments.py), and any change is a new key."""
    open_ = t.status in OPEN
    late = is_overdue(t, now)
    left = (now - t.due_at) if late else (t.due_at - now)
    return (
        "queue-row",
        request.script_root,  # the addresses in the row (an app served under a prefix)
        locale,
        zone,
        t.id,
        t.number,
        t.urgent and open_,
        t.status,
        t.escalated_at is not None,
        late,
        int(left.total_seconds() // 3600) if open_ else None,
        t.due_at,
        t.service_type.name(locale),
        t.service_type.category,
        t.household.label if t.household else (t.place or "—"),
        t.assigned_to.display_name if t.assigned_to else None,
    )


@bp.get("/tickets/newest")
@background
@require(Permission.HANDLE_TICKETS)
def tickets_newest() -> ResponseReturnValue:
    """The newest visible ticket id; the queue page polls it and offers to show new tickets."""
    response = jsonify(newest=desk.newest_id(get_session(), my_scope()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tickets/bulk")
@require(Permission.HANDLE_TICKETS)
def tickets_bulk() -> ResponseReturnValue:
    ids = [n for n in (small_int(v) for v in request.form.getlist("ticket")[: desk.PAGE]) if n is not None]
    target = request.form.get("to", "")
    back = url_for("staff.tickets", **filter_args(request.args))
    if not ids or target not in {s.value for s in BULK_TARGETS}:
        flash(_("Choose tickets and what to change them to."), "error")
        return redirect(back, code=303)
    db = get_session()
    done, refused = desk.bulk_change(db, current_actor(), my_scope(), ids, Status(target))
    if done:
        flash(_("%(count)s tickets changed.", count=len(done)), "info")
    for ticket, reason in refused:
        flash(f"{ticket.number}: {desk_error(reason)}", "error")
    return redirect(back, code=303)


def handlers_for(ticket: Ticket) -> list[StaffUser]:
    """People who may be given this ticket: those who can see it, in its community."""
    rows = get_session().scalars(
        select(StaffUser)
        .join(StaffRole)
        .where(
            StaffRole.community_id == ticket.community_id,
            StaffRole.role != Role.VOLUNTEER,
            StaffUser.is_active.is_(True),
        )
        .distinct()
        .order_by(StaffUser.display_name)
    )
    return [u for u in rows if desk.can_see(desk.scope_of(u), ticket)]


def next_statuses(ticket: Ticket) -> list[Status]:
    """The statuses this person may move the ticket to (cancelling is the office's: may_cancel_ticket)."""
    staff = current_user.staff
    return [
        to
        for (frm, to), who in TRANSITIONS.items()
        if frm == ticket.status
        and "staff" in who
        and (to != Status.CANCELLED or may_cancel_ticket(staff, ticket.community_id))
    ]


def render_ticket(ticket: Ticket, errors: dict[str, str] | None = None, status: int = 200):
    db = get_session()
    return render_template(
        "staff/ticket.html",
        ticket=ticket,
        booking=active_booking(db, ticket),
        now=clock.now(),
        overdue=is_overdue(ticket),
        next_statuses=next_statuses(ticket),
        handlers=handlers_for(ticket),
        errors=errors or {},
        form=request.form if request.method == "POST" else {},
        note_max=NOTE_MAX,
    ), status


@bp.get("/tickets/<int:ticket_id>")
@writes
@require(Permission.HANDLE_TICKETS)
def ticket_detail(ticket_id: int) -> ResponseReturnValue:
    ticket = ticket_or_404(ticket_id)
    db = get_session()
    if ticket.resident_id is not None:  # a view of personal data (name, flat) is audited
        record(
            db,
            current_actor(),
            "ticket.view",
            "resident",
            ticket.resident_id,
            ticket.community_id,
            ticket=ticket.number,
        )
    return render_ticket(ticket)


@bp.post("/tickets/<int:ticket_id>/status")
@require(Permission.HANDLE_TICKETS)
def ticket_status(ticket_id: int) -> ResponseReturnValue:
    ticket = ticket_or_404(ticket_id)
    target = request.form.get("to", "")
    note = request.form.get("note") or ""
    db = get_session()
    try:
        if not target:
            raise TicketError("choose_status")
        if target not in {s.value for s in Status}:
            raise TicketError("transition")
        office = may_cancel_ticket(current_user.staff, ticket.community_id)
        if Status(target) == Status.CANCELLED and not office:
            raise TicketError("office_cancels")
        change_status(db, current_actor(), ticket, Status(target), note)
    except TicketError as exc:
        return render_ticket(ticket_or_404(ticket_id), {"status": exc.reason}, 400)
    flash(
        _("Ticket %(number)s: %(status)s.", number=ticket.number, status=status_label(ticket.status)), "info"
    )
    return redirect(url_for("staff.ticket_detail", ticket_id=ticket.id), code=303)


@bp.post("/tickets/<int:ticket_id>/note")
@require(Permission.HANDLE_TICKETS)
def ticket_note(ticket_id: int) -> ResponseReturnValue:
    ticket = ticket_or_404(ticket_id)
    db = get_session()
    try:
        add_note(
            db,
            current_actor(),
            ticket,
            request.form.get("note") or "",
            public=request.form.get("public") == "1",
        )
    except TicketError as exc:
        return render_ticket(ticket_or_404(ticket_id), {"note": exc.reason}, 400)
    flash(_("Note added."), "info")
    return redirect(url_for("staff.ticket_detail", ticket_id=ticket.id), code=303)


@bp.post("/tickets/<int:ticket_id>/assign")
@require(Permission.HANDLE_TICKETS)
def ticket_assign(ticket_id: int) -> ResponseReturnValue:
    ticket = ticket_or_404(ticket_id)
    chosen = small_int(request.form.get("staff"))
    allowed = {u.id: u for u in handlers_for(ticket)}
    if chosen is not None and chosen not in allowed:
        return render_ticket(ticket, {"assign": "transition"}, 400)
    db = get_session()
    assign(db, current_actor(), ticket, allowed.get(chosen) if chosen is not None else None)
    flash(_("Saved."), "info")
    return redirect(url_for("staff.ticket_detail", ticket_id=ticket.id), code=303)


CSV_COLUMNS = (  # the machine-readable variant's header (?format=machine): stable codes for integrations
    "number",
    "service",
    "category",
    "unit",
    "status",
    "channel",
    "building",
    "submitted_at",
    "due_at",
    "resolved_at",
    "overdue",
    "escalated",
    "rating",
    "urgent",
)


def csv_headers() -> tuple[str, ...]:
    """The header a person reads, in their language (the machine variant keeps CSV_COLUMNS)."""
    return (
        _("Ticket number"),
        _("Service"),
        _("Category"),
        _("Handled by"),
        _("Status"),
        _("Sent from"),
        _("Building"),
        _("Received at"),
        _("Deadline"),
        _("Done at"),
        _("Overdue"),
        _("Escalated"),
        _("Rating"),
        _("Urgent"),
    )


def _csv_lines(
    rows: Iterator[Ticket], buildings: dict[int, str], locale: str, machine: bool
) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS if machine else csv_headers())
    now = clock.now()
    yes, no = ("1", "0") if machine else (_("yes"), _("no"))
    zones: dict[int, ZoneInfo] = {}

    def local(t: Ticket, at: datetime | None) -> str:
        """A time as the community reads it (2026-12-05T07:34+08:00), never UTC: one zone per community."""
        if at is None:
            return ""
        zone = zones.get(t.community_id)
        if zone is None:
            zone = zones[t.community_id] = ZoneInfo(t.service_type.community.timezone)
        return at.astimezone(zone).isoformat(timespec="minutes")

    for t in rows:
        unit = desk.handler_unit(t)
        category = t.service_type.category
        writer.writerow(
            (
                t.number,
                t.service_type.code if machine else t.service_type.name(locale),
                category.value if machine else category_label(category),
                unit if machine else unit_label(unit),
                t.status.value if machine else status_label(t.status),
                t.channel.split(":")[0] if machine else channel_label(t.channel),
                buildings.get(t.building_id or 0, ""),
                local(t, t.submitted_at),
                local(t, t.due_at),
                local(t, t.resolved_at),
                yes if t.status in OPEN and t.due_at < now else no,
                yes if t.escalated_at else no,
                t.rating or "",
                yes if t.urgent else no,
            )
        )
        yield out.getvalue()
        out.seek(0)
        out.truncate()


@bp.get("/tickets.csv")
@require(Permission.HANDLE_TICKETS)
def tickets_csv() -> ResponseReturnValue:
    """The filtered queue as CSV (no names, flats or numbers: figures for reports, not a register).

    By default in the reader's language; `?format=machine` gives stable English column names and codes."""
    from flask_babel import get_locale, get_timezone

    scope = my_scope()
    if scope.empty:
        abort(403)
    f = filters_from(request.args.to_dict())
    machine = request.args.get("format") == "machine"
    db = get_session()
    buildings = {b.id: b.name(str(get_locale())) for b in buildings_of(scope)}
    rows = desk.export_rows(db, scope, f, current_user.staff.id)
    body = "".join(_csv_lines(iter(rows), buildings, str(get_locale()), machine))
    stamp = clock.now().astimezone(get_timezone()).strftime("%Y%m%d-%H%M")
    return Response(
        "\ufeff" + body,  # a BOM so that Excel opens Chinese text as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=tickets-{stamp}.csv"},
    )


@bp.get("/tickets/<int:ticket_id>/photo/<token>")
@require(Permission.HANDLE_TICKETS)
def ticket_photo(ticket_id: int, token: str) -> ResponseReturnValue:
    ticket = ticket_or_404(ticket_id)
    photo = get_session().scalar(
        select(Photo).where(Photo.request_id == ticket.id, Photo.token == token[:32])
    )
    if photo is None:
        abort(404)
    return Response(photo.content, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})


@bp.get("/tickets/<int:ticket_id>/work-order")
@writes
@require(Permission.HANDLE_TICKETS)
def ticket_work_order(ticket_id: int) -> ResponseReturnValue:
    """A work order on paper for field staff: A4, or a narrow receipt (`?format=receipt`).

    It names the resident and the flat (the worker must find them), so printing it is audited like a view;
    the phone number stays masked: the worker calls through the office."""
    ticket = ticket_or_404(ticket_id)
    db = get_session()
    if ticket.resident_id is not None:
        record(
            db,
            current_actor(),
            "ticket.print",
            "resident",
            ticket.resident_id,
            ticket.community_id,
            ticket=ticket.number,
        )
    receipt = request.args.get("format") == "receipt"
    return render_template(
        "staff/work_order.html",
        ticket=ticket,
        booking=active_booking(db, ticket),
        receipt=receipt,
        overdue=is_overdue(ticket),
        open_now=ticket.status in OPEN,
        unit=desk.handler_unit(ticket),
    )
