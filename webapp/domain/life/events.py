"""Community events: sign-up with a capacity and a waiting list, reminders, and check-in at the door.

Sign-up, waiting list, cancelling, check-in, reminders and calling off are the shared occasion's rules
(webapp.domain.life.occasions); an event's differences are the data given to it below. What is the events'
own stays here: what is on, the counts and queue position shown, and checking an event's form.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.life.occasions import Occasions
from webapp.domain.privacy.audit import Actor
from webapp.infra import clock
from webapp.models import Event, EventKind, EventSignup, SignupStatus

ACTIVE = (SignupStatus.BOOKED, SignupStatus.WAITING)


class EventError(DomainError):
    code = "event"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = (
            reason  # "past", "cancelled", "not_signed_up", "not_now", "not_booked", "other_community"
        )


PLACES = Occasions(
    EventSignup,
    Event,
    "event_id",
    SignupStatus,
    notify_prefix="event",
    error=EventError,
    audit="event",
    target="event",
    open_until="starts_at",  # no joining an event once it has begun
    walk_in=False,  # the door checks a place booked before
    longest=24 * 60,
    most_places=2000,
)
# The rules are the shared occasion's (webapp.domain.life.occasions); these names are what the faces call.
signup = PLACES.signup
fill_from_waiting = PLACES.fill_from_waiting
cancel = PLACES.cancel
check_in = PLACES.check_in
check_in_open = PLACES.check_in_open
cancel_event = PLACES.call_off_by
send_reminders = PLACES.send_reminders


def upcoming(session: Session, community_id: int, days: int = 60, limit: int = 30) -> list[Event]:
    """Events not yet over and not cancelled, soonest first."""
    now = clock.now()
    return list(
        session.scalars(
            select(Event)
            .where(
                Event.community_id == community_id,
                Event.cancelled_at.is_(None),
                Event.ends_at > now,
                Event.starts_at < now + timedelta(days=days),
            )
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )


def counts(session: Session, event_ids: list[int]) -> dict[int, tuple[int, int]]:
    """event id -> (booked, waiting)."""
    result = {i: (0, 0) for i in event_ids}
    if not event_ids:
        return result
    rows = session.execute(
        select(EventSignup.event_id, EventSignup.status, func.count(EventSignup.id))
        .where(EventSignup.event_id.in_(event_ids), EventSignup.status.in_(ACTIVE))
        .group_by(EventSignup.event_id, EventSignup.status)
    )
    for event_id, status, n in rows:
        booked, waiting = result[event_id]
        result[event_id] = (n, waiting) if status == SignupStatus.BOOKED else (booked, n)
    return result


def waiting_position(session: Session, signup: EventSignup) -> int | None:
    """1 for the first person waiting; None when not waiting."""
    if signup.status != SignupStatus.WAITING:
        return None
    ahead = session.scalar(
        select(func.count(EventSignup.id)).where(
            EventSignup.event_id == signup.event_id,
            EventSignup.status == SignupStatus.WAITING,
            (EventSignup.queued_at < signup.queued_at)
            | ((EventSignup.queued_at == signup.queued_at) & (EventSignup.id < signup.id)),
        )
    )
    return (ahead or 0) + 1


def signups_of(session: Session, resident_id: int, event_ids: list[int]) -> dict[int, EventSignup]:
    """event id -> this resident's sign-up, cancelled ones too (the page says "you cancelled")."""
    return PLACES.signups_of(session, resident_id, event_ids, active=False)


def signup_list(session: Session, event: Event) -> list[EventSignup]:
    """Who comes and who waits, in queue order (for the organiser)."""
    return PLACES.everyone(session, event.id)


def check_event(values: dict[str, Any]) -> dict[str, str]:
    errors = PLACES.check(values)
    if not (values["titles"].get("zh_Hans") or "").strip():
        errors["title_zh_Hans"] = "required"
    if values["kind"] not in ("activity", "class"):
        errors["kind"] = "bad_choice"
    return errors


def save_event(
    session: Session, actor: Actor, community_id: int, event: Event | None, values: dict[str, Any]
) -> Event:
    """Create or change an event; a larger capacity moves people up from the waiting list."""
    event = PLACES.open_for_change(session, event, actor, community_id)
    event.kind = EventKind(values["kind"])
    event.titles = {k: v.strip() for k, v in values["titles"].items() if v and v.strip()}
    event.descriptions = {k: v.strip() for k, v in values["descriptions"].items() if v and v.strip()}
    PLACES.set_place_and_time(event, values)
    PLACES.saved(session, actor, event)
    return event
