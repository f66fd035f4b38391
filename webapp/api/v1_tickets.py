"""/api/v1: communities, service types and tickets, through the same core calls as the staff console.

Each view's address is in `webapp/api/routes.py` (this module is imported at the first call of one)."""

from __future__ import annotations

import hashlib
from typing import Any, NoReturn

from flask import Response, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import load_only

from webapp.api.keys import Caller, caller, community, guard
from webapp.api.problems import fail
from webapp.api.shapes import (
    Communities,
    CommunityOut,
    Created,
    NoteIn,
    Option,
    Question,
    ServiceTypeOut,
    ServiceTypes,
    StatusIn,
    TicketIn,
    TicketOut,
    TicketPage,
    TicketQuery,
    TimelineEntry,
)
from webapp.api.spec import answers, spec
from webapp.domain.desk import tickets
from webapp.domain.desk.catalog import AnswerErrors, NotEligible, questions_for
from webapp.domain.desk.public import OPEN311_STATUS, event_kind
from webapp.domain.identity.api_keys import Scope
from webapp.infra.db import get_session
from webapp.models import Community, ServiceType, Status, Ticket
from webapp.shared.context import vault
from webapp.shared.messages import desk_error

LIST_COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.service_type_id,
    Ticket.status,
    Ticket.urgent,
    Ticket.channel,
    Ticket.submitted_at,
    Ticket.updated_at,
    Ticket.due_at,
    Ticket.resolved_at,
    Ticket.closed_at,
    Ticket.building_id,
    Ticket.place,
)


def ticket_out(ticket: Ticket, who: Caller, timeline: bool = False, code: str | None = None) -> TicketOut:
    """A ticket as another system sees it: no resident, no answers; the place only with tickets:flats."""
    flats = who.may(Scope.READ_FLATS)
    return TicketOut(
        number=ticket.number,
        service_code=code or ticket.service_type.code,
        status=ticket.status.value,
        open311_status=OPEN311_STATUS[ticket.status],  # type: ignore[arg-type]
        urgent=ticket.urgent,
        overdue=tickets.is_overdue(ticket),
        channel=ticket.channel.split(":")[0],
        submitted_at=ticket.submitted_at,
        updated_at=ticket.updated_at,
        due_at=ticket.due_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        building=(str(ticket.building_id) if ticket.building_id is not None else None) if flats else None,
        place=ticket.place if flats else None,
        timeline=[
            TimelineEntry(
                at=e.at,
                status=e.to_status.value if e.to_status else None,
                kind=event_kind(e)[0],
                # A person's own words stay theirs: only the office's (and keys') notes leave.
                note=e.note if e.actor_type in ("staff", "api_key") else None,
            )
            for e in ticket.events
            if e.public
        ]
        if timeline
        else None,
    )


@guard(Scope.READ_CATALOG)
@spec.validate(resp=answers(HTTP_200=Communities), tags=["catalog"])
def communities() -> Any:
    """The communities this key reaches."""
    rows = get_session().scalars(select(Community).where(Community.id.in_(caller().community_ids)))
    items = [CommunityOut(slug=c.slug, names=dict(c.names), timezone=c.timezone) for c in rows]
    return Communities(items=sorted(items, key=lambda c: c.slug))


@guard(Scope.READ_CATALOG)
@spec.validate(resp=answers(HTTP_200=ServiceTypes), tags=["catalog"])
def service_types(slug: str) -> Any:
    """The services residents can ask for here, with the questions the API asks."""
    rows = get_session().scalars(
        select(ServiceType)
        .where(ServiceType.community_id == community().id, ServiceType.active.is_(True))
        .order_by(ServiceType.position, ServiceType.id)
    )
    items = [
        ServiceTypeOut(
            code=s.code,
            category=s.category.value,
            names=dict(s.names),
            help=dict(s.help or {}),
            eligibility=s.eligibility.value,
            questions=[
                Question(
                    id=q["id"],
                    type=q["type"],
                    required=bool(q.get("required")),
                    label=dict(q.get("label") or {}),
                    options=[
                        Option(value=str(o["value"]), label=dict(o.get("label") or {}))
                        for o in q.get("options", [])
                    ],
                )
                for q in questions_for(s, "api")
            ],
        )
        for s in rows
    ]
    return ServiceTypes(items=items)


def _etag(items: list[TicketOut], query: TicketQuery) -> str:
    digest = hashlib.sha256(query.model_dump_json().encode())
    for item in items:
        digest.update(f"{item.number}|{item.updated_at.isoformat()}".encode())
    return digest.hexdigest()[:32]


@guard(Scope.READ_TICKETS)
@spec.validate(query=TicketQuery, resp=answers(HTTP_200=TicketPage, HTTP_304=None), tags=["tickets"])
def ticket_list(slug: str, query: TicketQuery) -> Any:
    """Tickets in change order (oldest change first): page through with `updated_since` and `page`.

    Answers carry an ETag; send it back as If-None-Match to get 304 when nothing changed."""
    session = get_session()
    # Only the columns a list shows (not the answers), and the service codes once: a page stays a range scan
    # of ix_service_request_community_updated at any number of tickets.
    stmt = (
        select(Ticket)
        .options(load_only(*LIST_COLUMNS))
        .where(Ticket.community_id == community().id)
        .order_by(Ticket.updated_at, Ticket.id)
    )
    if query.updated_since is not None:
        stmt = stmt.where(Ticket.updated_at >= query.updated_since)
    if query.status is not None:
        stmt = stmt.where(Ticket.status == Status(query.status))
    rows = list(session.scalars(stmt.offset((query.page - 1) * query.per_page).limit(query.per_page + 1)))
    services = select(ServiceType.id, ServiceType.code).where(ServiceType.community_id == community().id)
    codes = {service_id: code for service_id, code in session.execute(services)}
    who = caller()
    items = [ticket_out(t, who, code=codes[t.service_type_id]) for t in rows[: query.per_page]]
    opaque = _etag(items, query)
    tag = f'W/"{opaque}"'  # weak: the same tickets in the same state, not the same bytes
    if request.if_none_match.contains_weak(opaque):
        return Response(status=304, headers={"ETag": tag})
    page = TicketPage(
        items=items, page=query.page, per_page=query.per_page, has_more=len(rows) > query.per_page
    )
    return page, 200, {"ETag": tag}


def ticket_or_404(number: str) -> Ticket:
    ticket = get_session().scalar(
        select(Ticket).where(Ticket.number == number[:16], Ticket.community_id == community().id)
    )
    if ticket is None:
        fail(404, _("Page not found"), _("No ticket has this number here."))
    return ticket


@guard(Scope.READ_TICKETS)
@spec.validate(resp=answers(HTTP_200=TicketOut), tags=["tickets"])
def ticket_read(slug: str, number: str) -> Any:
    """One ticket with its public timeline."""
    return ticket_out(ticket_or_404(number), caller(), timeline=True)


def bad_input(errors: dict[str, str]) -> NoReturn:
    """422 naming each field with its code (for programs) and the office's words for it (for people): the
    words are what Open311's error list carries."""
    words = "; ".join(f"{field}: {desk_error(code)}" for field, code in errors.items())
    fail(422, _("Some of the input is not right"), words, errors)


@guard(Scope.WRITE_TICKETS)
@spec.validate(json=TicketIn, resp=answers(writes=True, HTTP_201=Created), tags=["tickets"])
def ticket_create(slug: str, json: TicketIn) -> Any:
    """File a ticket about a common area (nobody's own flat), as the office would at the desk."""
    created = create_ticket(json.service_code, json.place, dict(json.answers), json.description)
    return Created(
        ticket=ticket_out(created.request, caller(), timeline=True), follow_token=created.follow_token
    ), 201


def create_ticket(code: str, place: str, given: dict[str, Any], description: str | None) -> tickets.Submitted:
    """The one way the API files a ticket (JSON and Open311 alike): tickets.submit, as the key."""
    session = get_session()
    who = caller()
    service = session.scalar(
        select(ServiceType).where(ServiceType.community_id == community().id, ServiceType.code == code[:32])
    )
    if service is None:
        fail(
            422,
            _("Some of the input is not right"),
            _("No service has this code here."),
            {"service_code": "unknown"},
        )
    answers_given = {k: ("yes" if v is True else "no" if v is False else str(v)) for k, v in given.items()}
    try:
        if description:
            tickets.check_note(description)
        created = tickets.submit(
            session, who.actor, None, service, answers_given, "api", place=place, vault=vault()
        )
        if description:
            tickets.add_note(session, who.actor, created.request, description, public=True)
    except AnswerErrors as exc:
        bad_input(exc.errors)
    except NotEligible as exc:
        fail(
            422, _("Some of the input is not right"), desk_error("not_eligible"), {"service_code": exc.reason}
        )
    except tickets.TicketError as exc:
        bad_input({"description": exc.reason})
    return created


@guard(Scope.WRITE_TICKETS)
@spec.validate(json=StatusIn, resp=answers(writes=True, HTTP_200=TicketOut), tags=["tickets"])
def ticket_status(slug: str, number: str, json: StatusIn) -> Any:
    """Move a ticket along its life cycle, as the office would (a rejection needs a note)."""
    ticket = ticket_or_404(number)
    try:
        tickets.change_status(get_session(), caller().actor, ticket, Status(json.status), json.note)
    except tickets.TicketError as exc:
        bad_input({"status": exc.reason})
    return ticket_out(ticket, caller(), timeline=True)


@guard(Scope.WRITE_TICKETS)
@spec.validate(json=NoteIn, resp=answers(writes=True, HTTP_201=TicketOut), tags=["tickets"])
def ticket_note(slug: str, number: str, json: NoteIn) -> Any:
    """Add a public note (the resident sees it and is told)."""
    ticket = ticket_or_404(number)
    try:
        tickets.add_note(get_session(), caller().actor, ticket, json.note, public=True)
    except tickets.TicketError as exc:
        bad_input({"note": exc.reason})
    return ticket_out(ticket, caller(), timeline=True), 201
