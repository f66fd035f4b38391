"""What a family member sees and does for a linked resident, each through the same rule the resident uses.

Every function takes a link already checked by `links.link_for` for its scope, and an actor made by
`links.family_actor` (the audit trail then says "on behalf of" the resident). What a family member does is
told to the resident as news on their next kiosk visit and on their phone ("您的女儿替您预约了…"), so that
nothing is done in their name without their knowing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.desk import bookings, tickets
from webapp.domain.desk.catalog import questions_for, services_for
from webapp.domain.family.links import FamilyError, end_link, family_actor
from webapp.domain.identity.vault import Vault
from webapp.domain.life import events
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.training import courses
from webapp.infra import clock
from webapp.models import (
    CheckIn,
    Event,
    FamilyLink,
    HelpCall,
    Notification,
    ServiceType,
    Slot,
    Ticket,
    TrainingSession,
)

NEWS_KIND = "family"  # a Notification of this kind: detail "<what>:<link id>:<object id>"
CHANNEL = "phone"  # family members use their own phones: the phone's questions and rules apply
DETAILS = "details"


def _tell_resident(session: Session, link: FamilyLink, what: str, object_id: int) -> None:
    """News for the resident; never tied to a ticket (`request_id`), so that the kiosk home gives it a line
    of its own instead of folding it into the ticket's "new" mark."""
    session.add(
        Notification(
            resident_id=link.resident_id,
            request_id=None,
            kind=NEWS_KIND,
            detail=f"{what}:{link.id}:{object_id}"[:32],
            created_at=clock.now(),
        )
    )
    session.flush()


def recent_checkins(session: Session, link: FamilyLink, days: int = 14) -> list[CheckIn]:
    """The resident's "I'm fine today" check-ins of the last two weeks, newest first."""
    since = clock.now().date() - timedelta(days=days)
    return list(
        session.scalars(
            select(CheckIn)
            .where(CheckIn.resident_id == link.resident_id, CheckIn.day >= since)
            .order_by(CheckIn.day.desc())
        )
    )


def recent_alerts(session: Session, link: FamilyLink, days: int = 14) -> list[HelpCall]:
    """The resident's alerts of the last two weeks, newest first: help calls they raised and the chains a
    missed check-in started (what the "check-ins and alerts" scope promises). The rows carry who went to help
    and how the call ended; the face shows those and never the office's notes."""
    since = clock.now() - timedelta(days=days)
    return list(
        session.scalars(
            select(HelpCall)
            .where(HelpCall.resident_id == link.resident_id, HelpCall.raised_at >= since)
            .order_by(HelpCall.raised_at.desc())
            .limit(50)
        )
    )


def tickets_of(session: Session, link: FamilyLink, limit: int = 20) -> list[Ticket]:
    """The resident's requests, newest first (what "follow requests" shows)."""
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.resident_id == link.resident_id)
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
    )


def ticket_of(session: Session, link: FamilyLink, number: str) -> Ticket:
    ticket = session.scalar(
        select(Ticket).where(Ticket.resident_id == link.resident_id, Ticket.number == number[:16])
    )
    if ticket is None:
        raise FamilyError("not_linked")
    return ticket


def reportable(session: Session, link: FamilyLink) -> list[ServiceType]:
    """Services a family member can report in one form: on the phone, they ask nothing required but the
    description (a repair needing a photo, an appointment needing a time, is asked by the resident or the
    office; the family member can follow it)."""
    found = []
    for service in services_for(session, link.community_id, CHANNEL):
        required = [q for q in questions_for(service, CHANNEL) if q.get("required")]
        if all(q.get("id") == DETAILS and q.get("type") == "short_text" for q in required):
            found.append(service)
    return found


def report(
    session: Session, actor: Actor, link: FamilyLink, service: ServiceType, details: str, vault: Vault
) -> tickets.Submitted:
    """Open a ticket for the resident, about their home, through the desk's one `submit` rule."""
    if service.community_id != link.community_id or service not in reportable(session, link):
        raise FamilyError("unknown")
    answers: dict[str, Any] = {DETAILS: details} if details.strip() else {}
    return _submit_for(session, actor, link, service, answers, vault, "ticket")


def _submit_for(
    session: Session,
    actor: Actor,
    link: FamilyLink,
    service: ServiceType,
    answers: dict[str, Any],
    vault: Vault,
    told: str,
) -> tickets.Submitted:
    """A ticket for the resident through the desk's one `submit` rule, about their home; the desk keeps who
    acted on the ticket's timeline, the audit trail says for whom, and the resident is told."""
    submitted = tickets.submit(
        session,
        actor,
        link.resident,
        service,
        answers,
        CHANNEL,
        household_id=link.resident.household_id,
        vault=vault,
    )
    record(session, actor, "ticket.submit", "ticket", submitted.request.id, link.community_id)
    _tell_resident(session, link, told, submitted.request.id)
    return submitted


def appointments(session: Session, link: FamilyLink) -> list[tuple[ServiceType, list[Slot], Slot | None]]:
    """Services booked by choosing a time and nothing else (a health check), each with its open times and
    the resident's own coming time if they have one (then no other is offered: one visit is booked, not
    two). A service that asks more (the family doctor's "what is wrong") is the resident's or the office's.
    """
    found = []
    for service in services_for(session, link.community_id, CHANNEL):
        required = [q for q in questions_for(service, CHANNEL) if q.get("required")]
        if len(required) == 1 and required[0].get("type") == "slot":
            coming = bookings.coming_slot(session, link.resident_id, service.id)
            times = [] if coming is not None else bookings.open_slots(session, service, limit=8)
            found.append((service, times, coming))
    return found


def book_appointment(
    session: Session, actor: Actor, link: FamilyLink, slot: Slot, vault: Vault
) -> tickets.Submitted:
    """Book a time for the resident: a ticket of the appointment's service through the desk's one `submit`
    rule, whose booking never overbooks (a place taken meanwhile is refused in its words)."""
    offered = {service.id: service for service, times, _coming in appointments(session, link) if times}
    service = offered.get(slot.service_type_id)
    if service is None:
        raise FamilyError("unknown")
    (question,) = [q for q in questions_for(service, CHANNEL) if q.get("required")]
    return _submit_for(session, actor, link, service, {question["id"]: str(slot.id)}, vault, "appointment")


def classes(session: Session, link: FamilyLink) -> list[TrainingSession]:
    return courses.upcoming(session, link.community_id)


def activities(session: Session, link: FamilyLink) -> list[Event]:
    return events.upcoming(session, link.community_id)


def book_class(session: Session, actor: Actor, link: FamilyLink, ts: TrainingSession) -> Any:
    """Take a place in a class for the resident (or the waiting list), by the classes' own rule."""
    entry = courses.signup(session, actor, ts, link.resident, CHANNEL)
    _tell_resident(session, link, "class", ts.id)
    return entry


def book_activity(session: Session, actor: Actor, link: FamilyLink, event: Event) -> Any:
    """Sign the resident up for a community activity, by the activities' own rule."""
    entry = events.signup(session, actor, event, link.resident, CHANNEL)
    _tell_resident(session, link, "event", event.id)
    return entry


def booked_ids(session: Session, link: FamilyLink) -> tuple[set[int], set[int]]:
    """Which of the upcoming classes and activities the resident already has a place (or waits) in."""
    class_ids = [ts.id for ts in classes(session, link)]
    event_ids = [e.id for e in activities(session, link)]
    mine_classes = courses.mine(session, link.resident_id, class_ids)
    mine_events = events.signups_of(session, link.resident_id, event_ids)
    return (
        {i for i, a in mine_classes.items() if a.status.value != "cancelled"},
        {i for i, s in mine_events.items() if s.status.value != "cancelled"},
    )


def step_away(session: Session, link: FamilyLink) -> None:
    """The family member ends their own link: a daughter who changed phones, a son no longer nearby. The
    resident must not find out by chance that nobody follows their check-ins any more, so they are told, and
    can link the person again at the lobby screen. Their emergency contacts are a separate list and stay."""
    if end_link(session, family_actor(link, CHANNEL), link, "family"):
        _tell_resident(session, link, "ended", 0)
