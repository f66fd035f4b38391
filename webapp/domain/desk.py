"""The staff side of the services desk: who sees which tickets, the queue and its filters, the figures.

Visibility follows who answers: the community office (admins, community workers) sees every ticket of its
community; the property company sees tickets handled by the property company; a service provider sees only
tickets of service types routed to it by name. Volunteers see none. Every query is scoped here, once.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.elements import ColumnElement

from webapp import clock
from webapp.domain.audit import Actor
from webapp.domain.tickets import OPEN, TicketError, change_status
from webapp.models import Handler, Role, ServiceRequest, ServiceType, StaffUser, Status

PAGE = 50
FIGURES_DAYS = 90


@dataclass(frozen=True)
class TicketScope:
    """What one staff member may see, community by community."""

    everything: frozenset[int] = frozenset()  # communities where they see every ticket
    property_in: frozenset[int] = frozenset()  # communities where they see the property company's tickets
    providers: frozenset[tuple[int, str]] = frozenset()  # (community, provider name)

    @property
    def empty(self) -> bool:
        return not (self.everything or self.property_in or self.providers)

    @property
    def community_ids(self) -> frozenset[int]:
        return self.everything | self.property_in | frozenset(c for c, _ in self.providers)


def scope_of(user: StaffUser) -> TicketScope:
    if not user.is_active:
        return TicketScope()
    everything, prop, providers = set(), set(), set()
    for role in user.roles:
        if role.role in (Role.ADMIN, Role.COMMUNITY_WORKER):
            everything.add(role.community_id)
        elif role.role == Role.PROPERTY_MANAGER:
            prop.add(role.community_id)
        elif role.role == Role.SERVICE_PROVIDER and role.provider:
            providers.add((role.community_id, role.provider))
    return TicketScope(frozenset(everything), frozenset(prop), frozenset(providers))


def visible(scope: TicketScope) -> ColumnElement[bool]:
    """A WHERE clause over ServiceRequest joined to ServiceType; never true for an empty scope."""
    parts: list[ColumnElement[bool]] = []
    if scope.everything:
        parts.append(ServiceRequest.community_id.in_(scope.everything))
    if scope.property_in:
        parts.append(
            and_(ServiceRequest.community_id.in_(scope.property_in), ServiceType.handler == Handler.PROPERTY)
        )
    for community_id, provider in sorted(scope.providers):
        parts.append(
            and_(
                ServiceRequest.community_id == community_id,
                ServiceType.handler == Handler.PROVIDER,
                ServiceType.provider_name == provider,
            )
        )
    return or_(*parts) if parts else false()


def can_see(scope: TicketScope, request: ServiceRequest) -> bool:
    service = request.service_type
    if request.community_id in scope.everything:
        return True
    if request.community_id in scope.property_in and service.handler == Handler.PROPERTY:
        return True
    return service.handler == Handler.PROVIDER and (request.community_id, service.provider_name) in (
        scope.providers
    )


@dataclass(frozen=True)
class QueueFilter:
    status: str = "open"  # "open", "all", or a Status value
    category: str | None = None
    building_id: int | None = None
    unit: str | None = None  # "property", "office", or "provider:<name>"
    overdue: bool = False
    mine: bool = False
    number: str | None = None
    page: int = 1


@dataclass
class QueuePage:
    tickets: list[ServiceRequest]
    total: int
    page: int
    pages: int
    filters: QueueFilter = field(default_factory=QueueFilter)


def _filtered(scope: TicketScope, f: QueueFilter, me: int | None) -> Select[Any]:
    now = clock.now()
    query = select(ServiceRequest).join(ServiceType).where(visible(scope))
    if f.status == "open":
        query = query.where(ServiceRequest.status.in_(OPEN))
    elif f.status in Status.__members__.values():
        query = query.where(ServiceRequest.status == Status(f.status))
    if f.category:
        query = query.where(ServiceType.category == f.category)
    if f.building_id is not None:
        query = query.where(ServiceRequest.building_id == f.building_id)
    if f.unit == "office":
        query = query.where(
            or_(ServiceType.handler == Handler.OFFICE, ServiceRequest.escalated_at.is_not(None))
        )
    elif f.unit == "property":
        query = query.where(ServiceType.handler == Handler.PROPERTY)
    elif f.unit and f.unit.startswith("provider:"):
        query = query.where(
            ServiceType.handler == Handler.PROVIDER, ServiceType.provider_name == f.unit.split(":", 1)[1]
        )
    if f.overdue:
        query = query.where(ServiceRequest.status.in_(OPEN), ServiceRequest.due_at < now)
    if f.mine:
        query = query.where(ServiceRequest.assigned_to_id == me)
    if f.number:
        query = query.where(ServiceRequest.number == f.number.strip().upper())
    return query


def queue(session: Session, scope: TicketScope, f: QueueFilter, me: int | None = None) -> QueuePage:
    """One page of the queue, most urgent first (open tickets by deadline, then the newest)."""
    base = _filtered(scope, f, me)
    total = session.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE))
    page = min(max(1, f.page), pages)
    is_open = case((ServiceRequest.status.in_(OPEN), 0), else_=1)
    rows = session.scalars(
        base.options(
            joinedload(ServiceRequest.service_type),
            joinedload(ServiceRequest.household),
            joinedload(ServiceRequest.assigned_to),
        )
        .order_by(is_open, ServiceRequest.due_at, ServiceRequest.id.desc())
        .limit(PAGE)
        .offset((page - 1) * PAGE)
    ).unique()
    return QueuePage(list(rows), total, page, pages, f)


def export_rows(session: Session, scope: TicketScope, f: QueueFilter, me: int | None = None) -> Any:
    """Every ticket matching the filters (no paging), streamed for CSV export; no personal data."""
    query = _filtered(scope, f, me).options(joinedload(ServiceRequest.service_type))
    return session.scalars(query.order_by(ServiceRequest.id).execution_options(yield_per=500))


def newest_id(session: Session, scope: TicketScope) -> int:
    """The newest visible ticket's id: the console polls this to show new tickets without a reload."""
    return session.scalar(select(func.max(ServiceRequest.id)).join(ServiceType).where(visible(scope))) or 0


def bulk_change(
    session: Session,
    actor: Actor,
    scope: TicketScope,
    ids: Sequence[int],
    to: Status,
    note: str | None = None,
) -> tuple[list[ServiceRequest], list[tuple[ServiceRequest, str]]]:
    """Move many tickets at once; those that cannot move (or may not be seen) are reported, not changed."""
    done: list[ServiceRequest] = []
    refused: list[tuple[ServiceRequest, str]] = []
    rows = session.scalars(
        select(ServiceRequest).join(ServiceType).where(ServiceRequest.id.in_(ids[:PAGE]), visible(scope))
    )
    for request in rows:
        try:
            with session.begin_nested():
                change_status(session, actor, request, to, note)
            done.append(request)
        except TicketError as exc:
            refused.append((request, exc.reason))
    return done, refused


@dataclass(frozen=True)
class Figures:
    open: int
    overdue: int
    resolved: int
    median_hours: float | None
    rating: float | None
    ratings: int
    by_building: list[tuple[int | None, int, int]]  # (building id, open, overdue)
    by_category: list[tuple[str, int, int]]  # (category, open, overdue)
    since: datetime


def figures(session: Session, scope: TicketScope, community_id: int | None = None) -> Figures:
    """Dashboard figures: open and overdue now; time to resolve and satisfaction over the last 90 days."""
    now = clock.now()
    since = now - timedelta(days=FIGURES_DAYS)
    where = [visible(scope)]
    if community_id is not None:
        where.append(ServiceRequest.community_id == community_id)
    overdue_now = case((ServiceRequest.due_at < now, 1), else_=0)
    open_rows = session.execute(
        select(ServiceRequest.building_id, ServiceType.category, func.count(), func.sum(overdue_now))
        .join(ServiceType)
        .where(*where, ServiceRequest.status.in_(OPEN))
        .group_by(ServiceRequest.building_id, ServiceType.category)
    ).all()
    by_building: dict[int | None, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    for building_id, category, count, late in open_rows:
        for bucket, key in ((by_building, building_id), (by_category, str(category))):
            entry = bucket.setdefault(key, [0, 0])
            entry[0] += count
            entry[1] += int(late or 0)
    durations = [
        (resolved - submitted).total_seconds() / 3600
        for submitted, resolved in session.execute(
            select(ServiceRequest.submitted_at, ServiceRequest.resolved_at)
            .join(ServiceType)
            .where(*where, ServiceRequest.resolved_at.is_not(None), ServiceRequest.resolved_at >= since)
        )
    ]
    rating = session.execute(
        select(func.avg(ServiceRequest.rating), func.count(ServiceRequest.rating))
        .join(ServiceType)
        .where(*where, ServiceRequest.rating.is_not(None), ServiceRequest.submitted_at >= since)
    ).one()
    return Figures(
        open=sum(v[0] for v in by_category.values()),
        overdue=sum(v[1] for v in by_category.values()),
        resolved=len(durations),
        median_hours=round(statistics.median(durations), 1) if durations else None,
        rating=round(float(rating[0]), 1) if rating[0] is not None else None,
        ratings=int(rating[1] or 0),
        by_building=sorted(
            ((k, v[0], v[1]) for k, v in by_building.items()), key=lambda r: (r[0] is None, r[0] or 0)
        ),
        by_category=sorted(((k, v[0], v[1]) for k, v in by_category.items()), key=lambda r: -r[1]),
        since=since,
    )


def handler_unit(request: ServiceRequest) -> str:
    """The unit answering now, as the queue filter names it (an escalated ticket is the office's)."""
    if request.escalated_at is not None or request.service_type.handler == Handler.OFFICE:
        return "office"
    if request.service_type.handler == Handler.PROPERTY:
        return "property"
    return f"provider:{request.service_type.provider_name or ''}"


def units_of(session: Session, scope: TicketScope) -> list[str]:
    """The handling units this person can filter by: office, property, and each visible provider."""
    names = session.scalars(
        select(ServiceType.provider_name)
        .where(
            ServiceType.handler == Handler.PROVIDER,
            ServiceType.community_id.in_(scope.community_ids),
            ServiceType.provider_name.is_not(None),
        )
        .distinct()
    )
    providers = sorted(n for n in names if n)
    if not scope.everything:
        providers = [n for n in providers if any(n == p for _, p in scope.providers)]
    units = ["office", "property"] if scope.everything else (["property"] if scope.property_in else [])
    return units + [f"provider:{n}" for n in providers]
