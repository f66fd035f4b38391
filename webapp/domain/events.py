"""Community events: sign-up with a capacity and a waiting list, reminders, and check-in at the door.

Every change to an event's sign-ups first locks the event's row (SELECT … FOR UPDATE on PostgreSQL; on SQLite
a writing transaction already holds the database's write lock), so two people taking the last place, or two
cancellations promoting the same waiting person, are decided one after the other. When a booked person
cancels, the first person waiting (earliest in the queue) gets the place and a notification. Those rules are
shared with training classes (webapp.domain.waiting_list); what is the events' own stays here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp import clock
from webapp.domain import DomainError
from webapp.domain.audit import Actor, record
from webapp.domain.waiting_list import WaitingList
from webapp.models import Event, EventKind, EventSignup, Resident, SignupStatus

REMIND_BEFORE = timedelta(hours=24)
CHECK_IN_EARLY = timedelta(hours=1)
ACTIVE = (SignupStatus.BOOKED, SignupStatus.WAITING)
PLACES = WaitingList(
    EventSignup, Event, "event_id", SignupStatus, "event_place", "event_reminder", "event_cancelled"
)


class EventError(DomainError):
    code = "event"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = (
            reason  # "past", "cancelled", "not_signed_up", "not_now", "not_booked", "other_community"
        )


def _lock(session: Session, event: Event) -> None:
    PLACES.lock(session, event)


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


def signups_of(session: Session, resident_id: int, event_ids: list[int]) -> dict[int, EventSignup]:
    if not event_ids:
        return {}
    rows = session.scalars(
        select(EventSignup).where(EventSignup.resident_id == resident_id, EventSignup.event_id.in_(event_ids))
    )
    return {s.event_id: s for s in rows}


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


def signup(session: Session, actor: Actor, event: Event, resident: Resident, channel: str) -> EventSignup:
    """Take a place, or join the waiting list when the event is full; signing up twice changes nothing."""
    if resident.community_id != event.community_id:
        raise EventError("other_community")
    if event.starts_at <= clock.now():
        raise EventError("past")
    _lock(session, event)
    if event.cancelled_at is not None:  # read under the lock: a call-off a moment ago counts
        raise EventError("cancelled")
    entry, changed = PLACES.take(session, event, resident.id, channel)
    if not changed:
        return entry
    record(session, actor, f"event.{entry.status.value}", "event", event.id, event.community_id)
    return entry


def fill_from_waiting(session: Session, event: Event) -> list[EventSignup]:
    """Give free places to the people waiting longest (the caller holds the event's lock)."""
    return PLACES.fill(session, event, still_open=event.starts_at > clock.now())


def cancel(session: Session, actor: Actor, event: Event, resident: Resident) -> list[EventSignup]:
    """Give up a place (or leave the waiting list); returns whoever moved up into the freed place."""
    _lock(session, event)
    was_booked = PLACES.leave(session, event.id, resident.id)
    if was_booked is None:
        raise EventError("not_signed_up")
    record(session, actor, "event.cancel", "event", event.id, event.community_id)
    return fill_from_waiting(session, event) if was_booked else []


def check_in(session: Session, actor: Actor, event: Event, resident: Resident) -> EventSignup:
    """Mark a booked person as arrived, from an hour before the start until the end."""
    now = clock.now()
    if not (event.starts_at - CHECK_IN_EARLY <= now <= event.ends_at):
        raise EventError("not_now")
    entry = PLACES.find(session, event.id, resident.id)
    if entry is None or entry.status != SignupStatus.BOOKED:
        raise EventError("not_booked")
    if entry.checked_in_at is None:
        entry.checked_in_at = now
        session.flush()
        record(session, actor, "event.check_in", "event", event.id, event.community_id)
    return entry


def send_reminders(session: Session) -> int:
    """Remind everyone with a place at an event within a day, once; running it again sends nothing new."""
    return PLACES.remind(session, REMIND_BEFORE)


def cancel_event(session: Session, actor: Actor, event: Event) -> int:
    """Call an event off; everyone signed up or waiting hears about it."""
    told = PLACES.call_off(session, event, clock.now())
    if told is None:
        return 0
    record(session, actor, "event.call_off", "event", event.id, event.community_id, told=told)
    return told


def signup_list(session: Session, event: Event) -> list[EventSignup]:
    """Who comes and who waits, in queue order (for the organiser)."""
    return PLACES.everyone(session, event.id)


def check_event(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (values["titles"].get("zh_Hans") or "").strip():
        errors["title_zh_Hans"] = "required"
    if not values["place"]:
        errors["place"] = "required"
    if values["starts_at"] is None:
        errors["starts"] = "bad_date"
    elif values["starts_at"] <= clock.now() and values.get("new"):
        errors["starts"] = "past"
    if values["minutes"] is None or not 10 <= values["minutes"] <= 24 * 60:
        errors["minutes"] = "bad_minutes"
    if values["capacity"] is None or not 1 <= values["capacity"] <= 2000:
        errors["capacity"] = "bad_number"
    if values["kind"] not in ("activity", "class"):
        errors["kind"] = "bad_choice"
    return errors


def save_event(
    session: Session, actor: Actor, community_id: int, event: Event | None, values: dict[str, Any]
) -> Event:
    """Create or change an event; a larger capacity moves people up from the waiting list."""
    if event is None:
        event = Event(community_id=community_id, created_by_id=actor.id if actor.type == "staff" else None)
        session.add(event)
    else:
        _lock(session, event)
    event.kind = EventKind(values["kind"])
    event.titles = {k: v.strip() for k, v in values["titles"].items() if v and v.strip()}
    event.descriptions = {k: v.strip() for k, v in values["descriptions"].items() if v and v.strip()}
    event.place = values["place"]
    starts: datetime = values["starts_at"]
    event.starts_at, event.ends_at = starts, starts + timedelta(minutes=values["minutes"])
    event.capacity = values["capacity"]
    session.flush()
    fill_from_waiting(session, event)
    record(session, actor, "event.save", "event", event.id, community_id)
    return event
