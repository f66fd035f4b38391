"""Deadlines per service type, as the office sets them (its SLA): `submit` gives a new ticket the service's
deadline, or its urgent deadline when an answer reports danger (whichever is shorter)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError, ensure_open
from webapp.domain.privacy.audit import Actor, record
from webapp.models import Community, ServiceType

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
