"""The audit trail: who (and in which role) did what to whom, when, through which channel.

Entries are only ever added; the ORM and database triggers refuse updates and deletes.
No personal values go into an entry: subjects are ids, and details hold no ID or phone numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from webapp.models import AuditEntry

FAMILY = "family"


@dataclass(frozen=True)
class Actor:
    """Whoever acts: a staff member (with the role they act in), a resident, a resident's family member, or
    the system.

    `on_behalf_of` names the resident someone acts for: a helper at a kiosk (assisted mode) or a family
    member (亲情账号), whose `role` is then their relation to the resident ("daughter"), so the audit trail
    and the resident's news can say "your daughter booked … for you".
    """

    type: str  # "staff", "resident", "family", "system"
    id: int | None = None
    name: str | None = None
    role: str | None = None
    channel: str | None = None  # "kiosk:3", "ip:203.0.113.7", "cli"
    on_behalf_of: int | None = None  # a resident helped by this actor
    community_ids: frozenset[int] = field(default_factory=frozenset)

    def helping(self, resident_id: int) -> Actor:
        return replace(self, on_behalf_of=resident_id)

    @classmethod
    def family_member(
        cls, member_id: int | None, relation: str, resident_id: int, community_id: int, channel: str
    ) -> Actor:
        """A family member acting for the resident of one link (never in their own name: they have none)."""
        return cls(
            type=FAMILY,
            id=member_id,
            role=relation,
            channel=channel,
            on_behalf_of=resident_id,
            community_ids=frozenset({community_id}),
        )

    @property
    def is_family(self) -> bool:
        return self.type == FAMILY


SYSTEM = Actor(type="system", name="system", channel="cli")


def record(
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str | None = None,
    subject_id: int | None = None,
    community_id: int | None = None,
    result: str = "ok",
    **detail: Any,
) -> AuditEntry:
    entry = AuditEntry(
        actor_type=actor.type,
        actor_id=actor.id,
        actor_name=actor.name,
        actor_role=actor.role,
        on_behalf_of_id=actor.on_behalf_of,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        community_id=community_id,
        channel=actor.channel,
        result=result,
        detail=detail or None,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditQuery:
    community_ids: frozenset[int]
    action: str | None = None
    actor_name: str | None = None
    subject_type: str | None = None
    subject_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filtered(query: AuditQuery) -> Select[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.community_id.in_(query.community_ids))
    if query.action:
        stmt = stmt.where(AuditEntry.action == query.action)
    if query.actor_name:
        stmt = stmt.where(AuditEntry.actor_name.contains(query.actor_name))
    if query.subject_type:
        stmt = stmt.where(AuditEntry.subject_type == query.subject_type)
    if query.subject_id is not None:
        stmt = stmt.where(AuditEntry.subject_id == query.subject_id)
    if query.since:
        stmt = stmt.where(AuditEntry.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditEntry.at < query.until)
    return stmt


def search(session: Session, query: AuditQuery, limit: int = 100, offset: int = 0) -> Sequence[AuditEntry]:
    """Newest first, only in the communities the searcher may see."""
    stmt = _filtered(query).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    return session.scalars(stmt).all()


def actions_in_use(session: Session, community_ids: frozenset[int]) -> list[str]:
    stmt = select(AuditEntry.action).where(AuditEntry.community_id.in_(community_ids)).distinct()
    return sorted(session.scalars(stmt))
