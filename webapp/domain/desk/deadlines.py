"""Deadlines per service type, as the office sets them (its SLA): `submit` gives a new ticket the service's
deadline (`due_at`), or its urgent deadline when an answer reports danger (whichever is shorter).

The days the office is closed (its holidays, `Community.holidays`, set on its settings page) do not count
towards the deadline of work the office itself handles: a request made the day before a week's closure is
due as many working hours after it as it would have been otherwise. Work of the property company or a
provider is not paused (they keep their own hours), and an urgent deadline is never moved: danger does not
wait for the office to reopen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError, ensure_open
from webapp.domain.privacy.audit import Actor, record
from webapp.models import Community, Handler, ServiceType

MOST_HOURS = 24 * 90


class DeadlineError(DomainError):
    code = "deadline"

    def __init__(self, reason: str, service_type_id: int | None) -> None:
        super().__init__(reason)
        self.reason = reason  # "service_type", "bad_hours"
        self.service_type_id = service_type_id


def _hours(text: str, service_type_id: int) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 5 or not 1 <= int(value) <= MOST_HOURS:
        raise DeadlineError("bad_hours", service_type_id)
    return int(value)


def set_deadlines(
    session: Session, actor: Actor, community: Community, wanted: Mapping[int, tuple[str, str]]
) -> None:
    """*wanted*: service type id -> (deadline hours, urgent deadline hours), as typed. Every value is checked
    before any is changed; a type of another community is refused like an unknown one."""
    ensure_open(community)
    types = {
        t.id: t for t in session.scalars(select(ServiceType).where(ServiceType.community_id == community.id))
    }
    checked: dict[int, tuple[int, int]] = {}
    for type_id, (hours, urgent) in wanted.items():
        if type_id not in types:
            raise DeadlineError("service_type", type_id)
        checked[type_id] = (_hours(hours, type_id), _hours(urgent, type_id))
    changed = 0
    for type_id, (due, urgent_due) in checked.items():
        service = types[type_id]
        if (service.deadline_hours, service.urgent_deadline_hours) != (due, urgent_due):
            service.deadline_hours, service.urgent_deadline_hours = due, urgent_due
            changed += 1
    session.flush()
    if changed:
        record(session, actor, "catalog.deadlines", "community", community.id, community.id, changed=changed)


def _closed_days(community: Community) -> set[date]:
    """The office's holidays as dates (stored as ISO dates by `register.settings.save_office_settings`)."""
    return {date.fromisoformat(day) for day in community.holidays or []}


def skipping_closed_days(start: datetime, hours: int, community: Community) -> datetime:
    """*hours* after *start*, not counting the community's closed days (whole local days, midnight to midnight
    on the community's wall clock). Each closed day ahead moves the deadline by the hours of it that fell
    inside; a request made on a closed day starts counting when the office reopens."""
    closed = _closed_days(community)
    remaining = timedelta(hours=hours)
    if not closed:
        return start + remaining
    zone = ZoneInfo(community.timezone)
    last_closed = max(closed)
    moment = start.astimezone(UTC)  # absolute time; each day's bounds from the wall clock
    while (day := moment.astimezone(zone).date()) <= last_closed:
        next_midnight = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
        if day not in closed:
            if moment + remaining <= next_midnight:
                break
            remaining -= next_midnight - moment
        moment = next_midnight
    return moment + remaining


def due_at(service: ServiceType, start: datetime, urgent: bool) -> datetime:
    """When a ticket of *service* opened at *start* is due: its urgent deadline (if shorter) when an answer
    reports danger, counted straight through; otherwise its deadline, not counting the office's closed days
    when the office handles the work."""
    if urgent:
        return start + timedelta(hours=min(service.deadline_hours, service.urgent_deadline_hours))
    if service.handler == Handler.OFFICE:
        return skipping_closed_days(start, service.deadline_hours, service.community)
    return start + timedelta(hours=service.deadline_hours)
