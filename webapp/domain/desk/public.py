"""How a ticket reads outside the desk's own screens: the follow link's public view (the ticket's QR), the
words of its timeline (event kinds, also for events written before they carried codes), and Open311
GeoReport v2 shapes, so that an API can expose the desk without reshaping. Nothing here holds a name, a
flat or an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.desk.tickets import OPEN
from webapp.domain.identity.vault import token_hash
from webapp.models import ServiceType, Status, Ticket, TicketEvent

LEGACY_NOTES = {  # what events said before they carried a code (kept in old databases)
    "overdue: escalated to the community office": ("escalated", None),
    "assigned: nobody": ("unassigned", None),
}


def event_kind(event: TicketEvent) -> tuple[str | None, str | None]:
    """(kind, detail) of an event, also for events written before codes: "assigned: 赵刚" -> assigned, 赵刚.

    Faces word the kind in the reader's language; a person's own note is (None, note)."""
    if event.kind:
        return event.kind, event.note
    note = event.note or ""
    if event.actor_type == "system" or not event.public:
        if note in LEGACY_NOTES:
            return LEGACY_NOTES[note]
        if note.startswith("assigned: "):
            return "assigned", note.removeprefix("assigned: ")
    return None, event.note


def ticket_for_follow_token(session: Session, token: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.public_token_hash == token_hash("ticket:" + token)))


@dataclass(frozen=True)
class PublicView:
    """What someone holding only the ticket's QR may see: no name, no flat, no answers, no internal notes."""

    number: str
    service: dict[str, str]
    status: Status
    submitted_at: datetime
    timeline: list[tuple[datetime, Status | None, str | None]]


def public_view(request: Ticket) -> PublicView:
    return PublicView(
        number=request.number,
        service=dict(request.service_type.names),
        status=request.status,
        submitted_at=request.submitted_at,
        timeline=[
            (e.at, e.to_status, e.note if e.actor_type == "staff" else None)
            for e in request.events
            if e.public
        ],
    )


# Open311 GeoReport v2 shapes.
OPEN311_STATUS = {s: ("open" if s in OPEN else "closed") for s in Status}


def open311_service(service: ServiceType, locale: str) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "service_name": service.name(locale),
        "description": service.help_text(locale),
        "metadata": bool(service.questions),
        "type": "realtime",
        "keywords": service.category.value,
        "group": service.category.value,
    }


# Whose notes may leave through Open311: the office's and integrations' (a resident's own words, typed when
# reopening or cancelling, can name them or their flat, and stay theirs).
OFFICIAL_NOTES = ("staff", "api_key")


def open311_request(request: Ticket) -> dict[str, Any]:
    last_public = next(
        (e.note for e in reversed(request.events) if e.public and e.note and e.actor_type in OFFICIAL_NOTES),
        None,
    )
    return {
        "service_request_id": request.number,
        "status": OPEN311_STATUS[request.status],
        "status_notes": last_public or request.status.value,
        "service_name": request.service_type.name("zh_Hans"),
        "service_code": request.service_type.code,
        "requested_datetime": request.submitted_at.isoformat(),
        "updated_datetime": (request.events[-1].at if request.events else request.submitted_at).isoformat(),
        "expected_datetime": request.due_at.isoformat(),
        "address": None,  # never a resident's flat: residents are not geocoded in public
    }
