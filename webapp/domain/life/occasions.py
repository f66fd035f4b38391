"""An occasion with places: one set of rules for community events and training classes.

Both keep one row per person and occasion (an EventSignup of an Event, an Attendance of a TrainingSession),
booked or waiting or cancelled. The rules are the same and live here once: only residents of the occasion's
community sign up, until it closes; a place while there is room, otherwise the end of the queue; signing up
twice changes nothing; a freed place goes to whoever has waited longest, who is told; reminders go once;
check-in opens an hour before; a call-off tells everyone once. Every change first locks the occasion's row
(SELECT … FOR UPDATE on PostgreSQL; on SQLite a writing transaction holds the write lock already), so two
people taking the last place, or two cancellations promoting the same person, are decided one after the other.

What differs is data on `Occasions`: the models, the error class, the audit names, whether sign-up closes at
the start (events) or the end (classes: people join a class late), and whether someone may simply walk in at
the door (classes) or must have a place (events).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.domain import DomainError, ensure_open
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import Notification, Resident

REMIND_BEFORE = timedelta(hours=24)
CHECK_IN_EARLY = timedelta(hours=1)


@dataclass(frozen=True)
class Occasions:
    entry: Any  # the sign-up model: EventSignup or Attendance
    occasion: Any  # what is signed up for: Event or TrainingSession
    key: str  # the sign-up's column naming the occasion: "event_id" or "training_session_id"
    status: type[StrEnum]  # its status enum, with BOOKED, WAITING and CANCELLED
    notify_prefix: str  # notifications "<prefix>_place", "_reminder", "_cancelled": "event" or "class"
    error: type[DomainError]  # raised with a reason: "past", "cancelled", "not_now", …
    audit: str  # audit actions "<audit>.booked", ".cancel", …: "event" or "training"
    target: str  # the audit entry's target kind: "event" or "training_session"
    open_until: str  # sign-up closes at the occasion's "starts_at" (events) or "ends_at" (classes)
    walk_in: bool  # at the door, someone without a place gets one if there is room (classes)
    longest: int  # minutes an occasion may last
    most_places: int  # the largest capacity the form accepts

    @property
    def place_kind(self) -> str:
        return f"{self.notify_prefix}_place"

    @property
    def reminder_kind(self) -> str:
        return f"{self.notify_prefix}_reminder"

    @property
    def cancelled_kind(self) -> str:
        return f"{self.notify_prefix}_cancelled"

    @property
    def notify_kinds(self) -> tuple[str, str, str]:
        return (self.reminder_kind, self.place_kind, self.cancelled_kind)

    @property
    def active(self) -> tuple[Any, Any]:
        return (self.status.BOOKED, self.status.WAITING)  # type: ignore[attr-defined]

    def _of(self, occasion_id: int) -> Any:
        return getattr(self.entry, self.key) == occasion_id

    def lock(self, session: Session, occasion: Any) -> None:
        """Lock the occasion's row and re-read whether it was called off meanwhile (callers check again)."""
        session.refresh(occasion, attribute_names=["cancelled_at"], with_for_update=True)

    def notify(self, session: Session, resident_id: int, kind: str, occasion_id: int) -> None:
        """Notifications name only the occasion; each face words them (shared.life, shared.training)."""
        session.add(
            Notification(resident_id=resident_id, kind=kind, detail=str(occasion_id), created_at=clock.now())
        )

    def find(self, session: Session, occasion_id: int, resident_id: int) -> Any:
        return session.scalar(
            select(self.entry).where(self._of(occasion_id), self.entry.resident_id == resident_id)
        )

    def booked(self, session: Session, occasion_id: int) -> int:
        count = select(func.count(self.entry.id)).where(
            self._of(occasion_id),
            self.entry.status == self.status.BOOKED,  # type: ignore[attr-defined]
        )
        return session.scalar(count) or 0

    def take(self, session: Session, occasion: Any, resident_id: int, channel: str) -> tuple[Any, bool]:
        """A place, or the end of the queue when full: (the sign-up, whether it is new or renewed)."""
        entry = self.find(session, occasion.id, resident_id)
        if entry is not None and entry.status in self.active:
            return entry, False
        full = self.booked(session, occasion.id) >= occasion.capacity
        entry = entry or self.entry(**{self.key: occasion.id, "resident_id": resident_id})
        entry.status = self.status.WAITING if full else self.status.BOOKED  # type: ignore[attr-defined]
        entry.queued_at, entry.channel = clock.now(), channel[:32]
        entry.promoted_at = entry.reminded_at = entry.checked_in_at = None
        session.add(entry)
        session.flush()
        return entry, True

    def fill(self, session: Session, occasion: Any, still_open: bool) -> list[Any]:
        """Give free places to those waiting longest and tell them."""
        free = occasion.capacity - self.booked(session, occasion.id)
        if free <= 0 or occasion.cancelled_at is not None or not still_open:
            return []
        waiting = session.scalars(
            select(self.entry)
            .where(self._of(occasion.id), self.entry.status == self.status.WAITING)  # type: ignore[attr-defined]
            .order_by(self.entry.queued_at, self.entry.id)
            .limit(free)
        ).all()
        for entry in waiting:
            entry.status, entry.promoted_at = self.status.BOOKED, clock.now()  # type: ignore[attr-defined]
            self.notify(session, entry.resident_id, self.place_kind, occasion.id)
        session.flush()
        return list(waiting)

    def leave(self, session: Session, occasion_id: int, resident_id: int) -> bool | None:
        """Give up a place or leave the queue: None when not signed up, else whether a place was freed."""
        entry = self.find(session, occasion_id, resident_id)
        if entry is None or entry.status not in self.active:
            return None
        was_booked: bool = entry.status == self.status.BOOKED  # type: ignore[attr-defined]
        entry.status = self.status.CANCELLED  # type: ignore[attr-defined]
        session.flush()
        return was_booked

    def everyone(self, session: Session, occasion_id: int) -> list[Any]:
        """Who comes and who waits, in queue order."""
        return list(
            session.scalars(
                select(self.entry)
                .where(self._of(occasion_id), self.entry.status.in_(self.active))
                .order_by(self.entry.status, self.entry.queued_at, self.entry.id)
            )
        )

    def remind(self, session: Session, before: timedelta) -> int:
        """Remind everyone with a place within *before* of the start, once; again sends nothing new."""
        now = clock.now()
        due = session.scalars(
            select(self.entry)
            .join(self.occasion, self.occasion.id == getattr(self.entry, self.key))
            .where(
                self.entry.status == self.status.BOOKED,  # type: ignore[attr-defined]
                self.entry.reminded_at.is_(None),
                self.occasion.cancelled_at.is_(None),
                self.occasion.starts_at > now,
                self.occasion.starts_at <= now + before,
            )
        ).all()
        for entry in due:
            entry.reminded_at = now
            self.notify(session, entry.resident_id, self.reminder_kind, getattr(entry, self.key))
        session.flush()
        return len(due)

    def call_off(self, session: Session, occasion: Any, at: datetime) -> int | None:
        """Mark the occasion called off and tell everyone booked or waiting; how many were told, or None when
        it was called off already. Decided under the occasion's row lock, so two call-offs at once tell people
        once."""
        self.lock(session, occasion)
        if occasion.cancelled_at is not None:
            return None
        occasion.cancelled_at = at
        people = self.everyone(session, occasion.id)
        for entry in people:
            self.notify(session, entry.resident_id, self.cancelled_kind, occasion.id)
        session.flush()
        return len(people)

    # The operations the faces call (through events and courses), each one transaction's worth of rules.

    def is_open(self, occasion: Any) -> bool:
        closes: datetime = getattr(occasion, self.open_until)
        return closes > clock.now()

    def signup(self, session: Session, actor: Actor, occasion: Any, resident: Resident, channel: str) -> Any:
        """Take a place, or join the waiting list when it is full; signing up twice changes nothing."""
        if resident.community_id != occasion.community_id:
            raise self.error("other_community")
        ensure_open(resident.community)  # archived: what was is readable, nothing new starts
        if not self.is_open(occasion):
            raise self.error("past")
        self.lock(session, occasion)
        if occasion.cancelled_at is not None:  # read under the lock: a call-off a moment ago counts
            raise self.error("cancelled")
        entry, changed = self.take(session, occasion, resident.id, channel)
        if changed:
            record(
                session,
                actor,
                f"{self.audit}.{entry.status.value}",
                self.target,
                occasion.id,
                occasion.community_id,
            )
        return entry

    def fill_from_waiting(self, session: Session, occasion: Any) -> list[Any]:
        """Give free places to the people waiting longest (the caller holds the occasion's lock)."""
        return self.fill(session, occasion, still_open=self.is_open(occasion))

    def cancel(self, session: Session, actor: Actor, occasion: Any, resident: Resident) -> list[Any]:
        """Give up a place (or leave the waiting list); returns whoever moved up into the freed place."""
        self.lock(session, occasion)
        was_booked = self.leave(session, occasion.id, resident.id)
        if was_booked is None:
            raise self.error("not_signed_up")
        record(session, actor, f"{self.audit}.cancel", self.target, occasion.id, occasion.community_id)
        return self.fill_from_waiting(session, occasion) if was_booked else []

    def check_in_open(self, occasion: Any) -> bool:
        """The door is open from an hour before the start until the end."""
        return bool(occasion.starts_at - CHECK_IN_EARLY <= clock.now() <= occasion.ends_at)

    def check_in(self, session: Session, actor: Actor, occasion: Any, resident: Resident) -> Any:
        """Mark someone with a place as arrived, from an hour before the start until the end."""
        ensure_open(resident.community)
        if not self.check_in_open(occasion):
            raise self.error("not_now")
        now = clock.now()
        if self.walk_in:
            entry = self.signup(session, actor, occasion, resident, "door")
            if entry.status != self.status.BOOKED:  # type: ignore[attr-defined]
                raise self.error("full")
        else:
            entry = self.find(session, occasion.id, resident.id)
            if entry is None or entry.status != self.status.BOOKED:  # type: ignore[attr-defined]
                raise self.error("not_booked")
        if entry.checked_in_at is None:
            entry.checked_in_at = now
            session.flush()
            record(session, actor, f"{self.audit}.check_in", self.target, occasion.id, occasion.community_id)
        return entry

    def call_off_by(self, session: Session, actor: Actor, occasion: Any) -> int:
        """Call it off; everyone with a place or waiting is told, once (a second call-off tells no one)."""
        told = self.call_off(session, occasion, clock.now())
        if told is None:
            return 0
        record(
            session,
            actor,
            f"{self.audit}.call_off",
            self.target,
            occasion.id,
            occasion.community_id,
            told=told,
        )
        return told

    def send_reminders(self, session: Session) -> int:
        """Remind everyone with a place within a day of the start, once; again sends nothing new."""
        return self.remind(session, REMIND_BEFORE)

    def signups_of(
        self, session: Session, resident_id: int, occasion_ids: list[int], active: bool
    ) -> dict[int, Any]:
        """occasion id -> this resident's sign-up (*active*: booked or waiting only)."""
        if not occasion_ids:
            return {}
        query = select(self.entry).where(
            self.entry.resident_id == resident_id, getattr(self.entry, self.key).in_(occasion_ids)
        )
        if active:
            query = query.where(self.entry.status.in_(self.active))
        return {getattr(e, self.key): e for e in session.scalars(query)}

    # Creating and changing an occasion: the same checks and the same order for events and classes.

    def check(self, values: dict[str, Any]) -> dict[str, str]:
        """Field -> error code for the place, start, length and capacity a form gave."""
        errors: dict[str, str] = {}
        if not values["place"]:
            errors["place"] = "required"
        if values["starts_at"] is None:
            errors["starts"] = "bad_date"
        elif values["starts_at"] <= clock.now() and values.get("new"):
            errors["starts"] = "past"
        if values["minutes"] is None or not 10 <= values["minutes"] <= self.longest:
            errors["minutes"] = "bad_minutes"
        if values["capacity"] is None or not 1 <= values["capacity"] <= self.most_places:
            errors["capacity"] = "bad_number"
        return errors

    def open_for_change(self, session: Session, occasion: Any, actor: Actor, community_id: int) -> Any:
        """A new occasion, or the existing one locked (a larger capacity moves people up under the lock)."""
        if occasion is None:
            occasion = self.occasion(
                community_id=community_id, created_by_id=actor.id if actor.type == "staff" else None
            )
            session.add(occasion)
        else:
            self.lock(session, occasion)
        return occasion

    def set_place_and_time(self, occasion: Any, values: dict[str, Any]) -> None:
        starts: datetime = values["starts_at"]
        occasion.place, occasion.capacity = values["place"], values["capacity"]
        occasion.starts_at, occasion.ends_at = starts, starts + timedelta(minutes=values["minutes"])

    def saved(self, session: Session, actor: Actor, occasion: Any) -> None:
        """After a change: a larger capacity gives places to those waiting; the change is audited."""
        session.flush()
        self.fill_from_waiting(session, occasion)
        record(session, actor, f"{self.target}.save", self.target, occasion.id, occasion.community_id)
