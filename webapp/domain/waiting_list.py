"""Places with a waiting list: one set of rules for community events and training classes.

Both keep one row per person and occasion (an EventSignup of an Event, an Attendance of a TrainingSession),
booked or waiting or cancelled. The rules are the same and live here once: a place while there is room,
otherwise the end of the queue; signing up twice changes nothing; a freed place goes to whoever has waited
longest, who is told; reminders go once. The caller locks the occasion's row first (`lock`), so two people
taking the last place, or two cancellations promoting the same person, are decided one after the other.
What differs (the error words, when an occasion is over, who may sign up) stays with events and courses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp import clock
from webapp.models import Notification


@dataclass(frozen=True)
class WaitingList:
    entry: Any  # the sign-up model: EventSignup or Attendance
    occasion: Any  # what is signed up for: Event or TrainingSession
    key: str  # the sign-up's column naming the occasion: "event_id" or "training_session_id"
    status: type[StrEnum]  # its status enum, with BOOKED, WAITING and CANCELLED
    place_kind: str  # the notification when a place comes free
    reminder_kind: str  # the notification a day before
    cancelled_kind: str  # the notification when the occasion is called off

    @property
    def active(self) -> tuple[Any, Any]:
        return (self.status.BOOKED, self.status.WAITING)  # type: ignore[attr-defined]

    def _of(self, occasion_id: int) -> Any:
        return getattr(self.entry, self.key) == occasion_id

    def lock(self, session: Session, occasion: Any) -> None:
        """Lock the occasion's row and re-read whether it was called off meanwhile (callers check again)."""
        session.refresh(occasion, attribute_names=["cancelled_at"], with_for_update=True)

    def notify(self, session: Session, resident_id: int, kind: str, occasion_id: int) -> None:
        """Notifications name only the occasion; each face words them (webapp.life, webapp.training)."""
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
