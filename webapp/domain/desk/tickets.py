"""Service requests ("tickets") from submission to closing; every change is an event.

Life cycle: submitted → accepted → in progress → resolved → closed, or rejected (a reason is required)
or cancelled by the resident (before work starts); reopened within 7 days of resolution. A request is
overdue when its deadline passes before it is resolved; overdue requests are escalated to the community
office once (the job can run any number of times).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from webapp.domain import DomainError, ensure_open
from webapp.domain.desk import bookings, deadlines, photos
from webapp.domain.desk.catalog import (
    ASKS_PLACE,
    AnswerErrors,
    check_answers,
    check_eligible,
    is_danger,
    questions_say_where,
)
from webapp.domain.desk.notifications import notify
from webapp.domain.identity.numbers import hide_numbers
from webapp.domain.identity.vault import Vault, new_token, token_hash
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.infra import clock
from webapp.models import (
    Building,
    Category,
    Handler,
    Household,
    Resident,
    ServiceType,
    StaffUser,
    Status,
    Ticket,
    TicketEvent,
)

REOPEN_WITHIN = timedelta(days=7)
NOTE_MAX = 2000
NUMBER_LETTERS = {
    Category.REPAIR: "B",  # 报修
    Category.COMPLAINT: "T",  # 投诉
    Category.ELDERLY_CARE: "Y",  # 养老
    Category.HEALTH: "J",  # 健康
    Category.CHILDCARE: "E",  # 儿童
    Category.DISABILITY_AID: "C",  # 助残
    Category.HELP_BENEFITS: "K",  # 帮扶
    Category.CERTIFICATES: "Z",  # 证明
    Category.OTHER: "Q",  # 其他
}
OPEN = {Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS}

# (from, to) -> who may do it: "staff", "resident"
TRANSITIONS: dict[tuple[Status, Status], set[str]] = {
    (Status.SUBMITTED, Status.ACCEPTED): {"staff"},
    (Status.SUBMITTED, Status.IN_PROGRESS): {"staff"},
    (Status.ACCEPTED, Status.IN_PROGRESS): {"staff"},
    (Status.SUBMITTED, Status.RESOLVED): {"staff"},
    (Status.ACCEPTED, Status.RESOLVED): {"staff"},
    (Status.IN_PROGRESS, Status.RESOLVED): {"staff"},
    (Status.RESOLVED, Status.CLOSED): {"staff", "resident"},
    (Status.SUBMITTED, Status.REJECTED): {"staff"},
    (Status.ACCEPTED, Status.REJECTED): {"staff"},
    (Status.SUBMITTED, Status.CANCELLED): {"resident", "staff"},
    (Status.ACCEPTED, Status.CANCELLED): {"resident", "staff"},
    (Status.RESOLVED, Status.IN_PROGRESS): {"resident", "staff"},  # reopen
    (Status.CLOSED, Status.IN_PROGRESS): {"resident", "staff"},  # reopen
}


class TicketError(DomainError):
    code = "ticket"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "transition", "reason_required", "reopen_too_late", "not_yours", "rating", ...


@dataclass(frozen=True)
class Submitted:
    request: Ticket
    follow_token: str  # for the QR that follows the ticket on a phone; shown once, stored hashed
    numbers_hidden: bool = False  # an ID or mobile number was masked in the free text: faces say so


CONTACT_KIND = "ticket_contact"


def private_text(text: str | None) -> str | None:
    """Free text as it may be stored: every ID and mobile number masked (the one place this happens)."""
    return hide_numbers(text).text if text else text


def contact_number(vault: Vault, request: Ticket) -> str | None:
    """The mobile number given for this ticket in clear, for staff who call back (callers audit it)."""
    return vault.decrypt(CONTACT_KIND, request.contact_cipher) if request.contact_cipher else None


def _event(
    request: Ticket,
    actor: Actor,
    to: Status | None,
    note: str | None,
    public: bool = True,
    kind: str | None = None,
) -> None:
    request.updated_at = clock.now()  # what an integration asking "what changed since" sees
    request.events.append(
        TicketEvent(
            at=clock.now(),
            actor_type=actor.type,
            actor_id=actor.id,
            actor_name=actor.name if actor.type == "staff" else None,
            from_status=request.status if to is not None else None,
            to_status=to,
            note=private_text((note or "").strip()[:NOTE_MAX]) or None,
            public=public,
            kind=kind,
        )
    )


def where_errors(
    session: Session,
    service: ServiceType,
    channel: str,
    household_id: int | None,
    place: str | None,
    building_id: int | None,
) -> dict[str, str]:
    """What is wrong with where a ticket is about (field -> error code), for every face alike.

    A ticket not about a home says which common area, unless the service's own questions say where or the
    face cannot ask in words (a kiosk has no keyboard); a building named must be one of the community's.
    """
    errors: dict[str, str] = {}
    about_home = household_id is not None and not (place or "").strip()
    asks = channel.split(":")[0] in ASKS_PLACE and not questions_say_where(service)
    if not about_home and asks and not (place or "").strip():
        errors["place"] = "required"
    if building_id is not None:
        building = session.get(Building, building_id)
        if building is None or building.community_id != service.community_id:
            errors["building"] = "bad_choice"
    return errors


def submit(
    session: Session,
    actor: Actor,
    resident: Resident | None,
    service: ServiceType,
    answers: dict[str, Any],
    channel: str,
    household_id: int | None = None,
    place: str | None = None,
    building_id: int | None = None,
    vault: Vault | None = None,
) -> Submitted:
    """Check eligibility, answers and where, then open a ticket due after the service's deadline (its urgent
    deadline when an answer reports danger: such a ticket goes first in every queue that sees it; the days
    the office is closed do not count for the office's own work: `deadlines.due_at`).

    ID and mobile numbers typed into the place or a free-text answer are masked before anything is stored;
    the first mobile number is kept encrypted as the ticket's contact (with *vault*), since whoever types
    a number into a description usually wants to be called on it.

    *resident* is None for a ticket another system files through the API about a common area (a broken
    lamp in a stairwell): nobody's ticket, so only a service open to everyone takes it.
    """
    now = clock.now()
    ensure_open(service.community)  # archived: every ticket stays readable, no new one opens
    check_eligible(service, resident, channel.split(":")[0], now.date())
    where = where_errors(session, service, channel, household_id, place, building_id)
    try:
        clean = check_answers(service, answers, channel)
    except AnswerErrors as exc:
        raise AnswerErrors({**exc.errors, **where}) from exc
    if where:
        raise AnswerErrors(where)
    urgent = is_danger(service, clean)
    free_text = {q["id"] for q in service.questions or [] if q.get("type") == "short_text"}
    found = []
    for qid in free_text & set(clean):
        hidden = hide_numbers(str(clean[qid]))
        clean[qid] = hidden.text
        found.append(hidden)
    hidden_place = hide_numbers((place or "").strip()[:120])
    found.append(hidden_place)
    phones = [p for h in found for p in h.phones]
    follow = new_token()
    household_id = household_id if household_id is not None and not place else None
    if household_id is not None:
        household = session.get(Household, household_id)
        building_id = household.building_id if household is not None else building_id
    request = Ticket(
        number="pending",
        community_id=service.community_id,
        service_type=service,
        resident_id=resident.id if resident is not None else None,
        household_id=household_id,
        building_id=building_id,
        place=hidden_place.text or None,
        answers=clean,
        status=Status.SUBMITTED,
        channel=channel[:32],
        submitted_at=now,
        urgent=urgent,
        due_at=deadlines.due_at(service, now, urgent),
        public_token_hash=token_hash("ticket:" + follow),
    )
    if phones and vault is not None:
        request.contact_cipher = vault.encrypt(CONTACT_KIND, phones[0])
        request.contact_last4 = phones[0][-4:]
    request.events = []
    session.add(request)
    session.flush()
    request.number = f"{NUMBER_LETTERS[service.category]}-{request.id:04d}"
    _event(request, actor, Status.SUBMITTED, None)
    request.events[-1].from_status = None
    if urgent:
        _event(request, SYSTEM, None, None, public=False, kind="urgent")
    for question in service.questions or []:
        value = clean.get(question["id"])
        if value is None:
            continue
        if question.get("type") == "slot":
            try:
                bookings.book(session, request, bookings.slot_number(value))
            except bookings.BookingError as exc:
                raise AnswerErrors({question["id"]: exc.reason}) from exc
        elif question.get("type") == "photo" and (
            resident is None or not photos.attach(session, resident.id, value, request.id)
        ):
            raise AnswerErrors({question["id"]: "photo_missing"})
    session.flush()
    return Submitted(request, follow, numbers_hidden=any(h.changed for h in found))


def open_requests_of(session: Session, resident_id: int, limit: int = 3) -> list[Ticket]:
    """A resident's open requests, newest first: the top of their home on the kiosk and on the phone."""
    return list(
        session.scalars(
            select(Ticket)
            .options(joinedload(Ticket.service_type))
            .where(Ticket.resident_id == resident_id, Ticket.status.in_(OPEN))
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
    )


def acts_as_resident(actor: Actor, request: Ticket) -> bool:
    """The resident themself, or a helper at a kiosk acting for them (assisted mode)."""
    if request.resident_id is None:
        return False
    if actor.type == "resident":
        return actor.id == request.resident_id
    return actor.on_behalf_of == request.resident_id


def check_note(note: str | None) -> None:
    """A note longer than NOTE_MAX is refused, not cut: whoever wrote it keeps every word to shorten."""
    if len((note or "").strip()) > NOTE_MAX:
        raise TicketError("note_too_long")


def change_status(
    session: Session, actor: Actor, request: Ticket, to: Status, note: str | None = None
) -> None:
    """Move a ticket along its life cycle, if this actor may; a rejection needs a reason. In an archived
    community nothing moves any more (its records stay readable): the console's staff lose the writing
    permissions there, and this refusal holds for every other caller too (an API key, a resident)."""
    ensure_open(request.service_type.community)
    check_note(note)
    who = "resident" if actor.type == "resident" or actor.on_behalf_of is not None else actor.type
    if who == "api_key":  # another system with a writing key acts for the office that made the key
        who = "staff"
    if who == "resident" and not acts_as_resident(actor, request):
        raise TicketError("not_yours")
    allowed = TRANSITIONS.get((request.status, to))
    if allowed is None or who not in allowed:
        raise TicketError("transition")
    if to == Status.REJECTED and not (note or "").strip():
        raise TicketError("reason_required")
    now = clock.now()
    reopening = request.status in (Status.RESOLVED, Status.CLOSED) and to == Status.IN_PROGRESS
    if reopening and (request.resolved_at is None or now - request.resolved_at > REOPEN_WITHIN):
        raise TicketError("reopen_too_late")
    _event(request, actor, to, note)
    request.status = to
    if to == Status.RESOLVED:
        request.resolved_at = now
        request.resolve_minutes = int((now - request.submitted_at).total_seconds() // 60)
    elif to in (Status.CLOSED, Status.REJECTED, Status.CANCELLED):
        request.closed_at = now
    elif reopening:
        request.resolved_at = request.closed_at = request.resolve_minutes = None
        request.rating = request.rating_note = None
    if to in (Status.REJECTED, Status.CANCELLED):
        booking = bookings.active_booking(session, request)
        if booking is not None:
            bookings.release(session, booking)
    if who != "resident":
        notify(session, request, "status", to.value)
    session.flush()


def add_note(session: Session, actor: Actor, request: Ticket, note: str, public: bool) -> None:
    """A note on the ticket; a public one is shown to (and announced to) the resident, an internal one not."""
    ensure_open(request.service_type.community)
    if not note.strip():
        raise TicketError("note_required")
    check_note(note)
    _event(request, actor, None, note, public=public)
    if public:
        notify(session, request, "note")
    session.flush()


def assign(session: Session, actor: Actor, request: Ticket, staff: StaffUser | None) -> None:
    """Give the ticket to one person (or nobody); recorded as an internal event."""
    if (request.assigned_to_id or None) == (staff.id if staff else None):
        return
    request.assigned_to = staff
    # A code and the name, worded when shown (never "assigned: 赵刚" in a Chinese timeline).
    if staff is not None:
        _event(request, actor, None, staff.display_name, public=False, kind="assigned")
    else:
        _event(request, actor, None, None, public=False, kind="unassigned")
    session.flush()


def rate(session: Session, actor: Actor, request: Ticket, stars: int, words: str | None = None) -> None:
    """The resident rates the result (1-5 faces, optional words) once it is resolved or closed."""
    if not acts_as_resident(actor, request):
        raise TicketError("not_yours")
    if request.status not in (Status.RESOLVED, Status.CLOSED):
        raise TicketError("transition")
    if stars not in range(1, 6):
        raise TicketError("rating")
    request.rating = stars
    request.rating_note = private_text((words or "").strip()[:NOTE_MAX]) or None
    _event(request, actor, None, None)
    session.flush()


def resident_actions(request: Ticket, now: datetime | None = None) -> dict[str, bool]:
    """What the resident may do with their ticket now (the buttons every face offers; change_status and
    rate check again when one is pressed)."""
    now = now or clock.now()
    reopenable = request.resolved_at is not None and now - request.resolved_at <= REOPEN_WITHIN
    done = request.status in (Status.RESOLVED, Status.CLOSED)
    return {
        "cancel": request.status in (Status.SUBMITTED, Status.ACCEPTED),
        "close": request.status == Status.RESOLVED,
        "reopen": done and reopenable,
        "rate": done and request.rating is None,
    }


def is_overdue(request: Ticket, now: datetime | None = None) -> bool:
    return request.status in OPEN and (now or clock.now()) > request.due_at


def escalate_overdue(session: Session, community_id: int | None = None) -> list[Ticket]:
    """Hand every overdue ticket not yet escalated to the community office; a second run changes nothing."""
    now = clock.now()
    query = select(Ticket).where(Ticket.status.in_(OPEN), Ticket.due_at < now, Ticket.escalated_at.is_(None))
    if community_id is not None:
        query = query.where(Ticket.community_id == community_id)
    escalated = list(session.scalars(query))
    for request in escalated:
        request.escalated_at = now
        _event(request, SYSTEM, None, None, public=False, kind="escalated")
    session.flush()
    return escalated


def handler_of(request: Ticket) -> Handler:
    """Who answers now: the service's handler, or the community office once escalated."""
    return Handler.OFFICE if request.escalated_at is not None else request.service_type.handler
