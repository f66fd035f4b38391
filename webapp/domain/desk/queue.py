"""The staff side of the services desk: who sees which tickets, the queue and its filters, the figures.

Visibility follows who answers: the community office (admins, community workers) sees every ticket of its
community (grid workers too); the property company sees tickets handled by the property company; a service
provider's staff see only tickets of service types routed to their provider record (`providers.route`).
Volunteers see none. Every query is scoped here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, defer, joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from webapp.domain.desk import paging
from webapp.domain.desk.tickets import OPEN, TicketError, change_status
from webapp.domain.privacy.audit import Actor
from webapp.infra import clock
from webapp.infra.numbers import small_int
from webapp.models import Handler, Role, ServiceProvider, ServiceType, StaffUser, Status, Ticket

PAGE = paging.PAGE
FIGURES_DAYS = 90


@dataclass(frozen=True)
class TicketScope:
    """What one staff member may see, community by community."""

    everything: frozenset[int] = frozenset()  # communities where they see every ticket
    property_in: frozenset[int] = frozenset()  # communities where they see the property company's tickets
    providers: frozenset[tuple[int, int]] = frozenset()  # (community, provider record id)

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
        if role.role in (Role.ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER):
            everything.add(role.community_id)
        elif role.role == Role.PROPERTY_MANAGER:
            prop.add(role.community_id)
        elif role.role == Role.SERVICE_PROVIDER and role.provider_id is not None:
            providers.add((role.community_id, role.provider_id))
    return TicketScope(frozenset(everything), frozenset(prop), frozenset(providers))


@dataclass(frozen=True)
class Grant:
    """One line of who sees what: the service types of these communities, of one handler (and provider)."""

    community_ids: frozenset[int]
    handler: Handler | None = None  # None: every handler
    provider: int | None = None  # with Handler.PROVIDER: only the types routed to this provider record


def grants_of(scope: TicketScope) -> list[Grant]:
    """Who sees which tickets, as data (the one rule): the queue asks it in SQL, a single ticket in Python."""
    grants = [Grant(scope.everything)] if scope.everything else []
    if scope.property_in:
        grants.append(Grant(scope.property_in, Handler.PROPERTY))
    grants += [Grant(frozenset({c}), Handler.PROVIDER, p) for c, p in sorted(scope.providers)]
    return grants


def _grant_clause(grant: Grant) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = [ServiceType.community_id.in_(grant.community_ids)]
    if grant.handler is not None:
        parts.append(ServiceType.handler == grant.handler)
    if grant.provider is not None:
        parts.append(ServiceType.provider_id == grant.provider)
    return and_(*parts)


def _grant_holds(grant: Grant, service: ServiceType) -> bool:
    return (
        service.community_id in grant.community_ids
        and grant.handler in (None, service.handler)
        and grant.provider in (None, service.provider_id)
    )


def visible_types(session: Session, scope: TicketScope, **narrow: Any) -> list[int]:
    """The ids of the service types whose tickets this scope sees (optionally narrowed by category etc.).

    Ticket queries then filter on `service_type_id IN (...)` without joining service_type: a catalog has
    tens of types per community, a district a few hundred, and the ticket table can then be read by its
    own indexes (this is what keeps the queue and the figures fast at 100,000 tickets).
    """
    grants = grants_of(scope)
    if not grants:
        return []
    query = select(ServiceType.id).where(or_(*(_grant_clause(g) for g in grants)))
    for column, value in narrow.items():
        query = query.where(getattr(ServiceType, column) == value)
    return list(session.scalars(query))


def visible(session: Session, scope: TicketScope) -> ColumnElement[bool]:
    """A WHERE clause over Ticket alone; never true for an empty scope."""
    ids = visible_types(session, scope)
    return Ticket.service_type_id.in_(ids) if ids else false()


def can_see(scope: TicketScope, request: Ticket) -> bool:
    """Whether this scope sees this one ticket: the queue's grants (grants_of), held by its service type, so a
    ticket opens exactly when the queue lists it."""
    return any(_grant_holds(grant, request.service_type) for grant in grants_of(scope))


@dataclass(frozen=True)
class QueueFilter:
    status: str = "open"  # "open", "all", or a Status value
    category: str | None = None
    building_id: int | None = None
    unit: str | None = None  # "property", "office", or "provider:<id>:<name>" (handler_unit)
    overdue: bool = False
    mine: bool = False
    number: str | None = None
    page: int = 1  # the open queue (urgent first, then by deadline): short, paged by number
    before: int | None = None  # lists of every status (newest first): the page of ids below this one
    after: int | None = None  # … or the page of ids above this one (going back towards the newest)


@dataclass
class QueuePage:
    """One page of the queue and how to reach its neighbours.

    `total` is counted up to `paging.COUNT_CAP` (`capped`: the list is longer), and `newer` and `older`
    are the query arguments of the neighbouring pages (None: there is none); see `paging` for why."""

    tickets: list[Ticket]
    total: int
    capped: bool = False
    page: int | None = None
    newer: paging.Cursor | None = None
    older: paging.Cursor | None = None
    filters: QueueFilter = field(default_factory=QueueFilter)


def _filtered(session: Session, scope: TicketScope, f: QueueFilter, me: int | None) -> Select[Any]:
    now = clock.now()
    narrow: dict[str, Any] = {}
    if f.category:
        narrow["category"] = f.category
    if f.unit == "property":
        narrow["handler"] = Handler.PROPERTY
    elif f.unit and f.unit.startswith("provider:"):
        narrow["handler"] = Handler.PROVIDER
        narrow["provider_id"] = small_int(f.unit.split(":")[1], 2**31 - 1) or 0
    types = visible_types(session, scope, **narrow)
    open_work = f.status == "open" or f.status in {s.value for s in OPEN} or f.overdue
    # Open work is read through the open-work index (0025): the community (implied by the types) is its key,
    # and "+ 0" makes the type a condition inside that walk, not a key PostgreSQL descended by once per type
    # and status (32 ms for 1). Lists of every status walk the id or building index: the planner's choice.
    kind = Ticket.service_type_id + 0 if open_work else Ticket.service_type_id
    query = select(Ticket).where(kind.in_(types) if types else false())
    if open_work:
        query = query.where(Ticket.community_id.in_(scope.community_ids))
    if f.unit == "office":
        office = visible_types(session, scope, handler=Handler.OFFICE)
        query = query.where(or_(Ticket.service_type_id.in_(office), Ticket.escalated_at.is_not(None)))
    if f.status == "open":
        query = query.where(Ticket.status.in_(OPEN))
    elif f.status in Status.__members__.values():
        query = query.where(Ticket.status == Status(f.status))
    if f.building_id is not None:
        query = query.where(Ticket.building_id == f.building_id)
    if f.overdue:
        query = query.where(Ticket.status.in_(OPEN), Ticket.due_at < now)
    if f.mine:
        query = query.where(Ticket.assigned_to_id == me)
    if f.number:
        query = query.where(Ticket.number == f.number.strip().upper())
    return query


def queue(session: Session, scope: TicketScope, f: QueueFilter, me: int | None = None) -> QueuePage:
    """One page of the queue: open urgent tickets (a danger answer) first, then open tickets by deadline,
    otherwise the newest first.

    The page's ids are chosen first from the bare table (an index walk, no joins), then only those rows are
    loaded with what the page shows. Nothing here reads more of the table than a page, a capped count and
    the open tickets: the cost stays flat as years of closed tickets pile up (docs/performance.md).
    """
    base = _filtered(session, scope, f, me)
    total, capped = paging.bounded_count(session, base)
    open_only = f.status == "open" or f.status in {s.value for s in OPEN} or f.overdue
    ids: list[int]
    page: int | None
    if open_only:
        ids, page, newer, older = paging.by_deadline(session, base, f.page, total)
    else:
        ids, page, newer, older = paging.newest_first(session, base, f.before, f.after)
    rows = {
        r.id: r
        for r in session.scalars(
            select(Ticket)
            .where(Ticket.id.in_(ids))
            .options(
                # A page names a few kinds of service: each is read once (their JSON names and questions are
                # not decoded again on every row), and the answers, which the queue never shows, stay unread.
                selectinload(Ticket.service_type),
                defer(Ticket.answers),
                joinedload(Ticket.household),
                joinedload(Ticket.assigned_to),
            )
        ).unique()
    }
    tickets = [rows[i] for i in ids if i in rows]
    return QueuePage(tickets, total, capped, page, newer, older, f)


def export_rows(session: Session, scope: TicketScope, f: QueueFilter, me: int | None = None) -> Any:
    """Every ticket matching the filters (no paging), streamed for CSV export; no personal data."""
    query = _filtered(session, scope, f, me).options(joinedload(Ticket.service_type))
    return session.scalars(query.order_by(Ticket.id).execution_options(yield_per=500))


def newest_id(session: Session, scope: TicketScope) -> int:
    """The newest visible ticket's id: the console polls this to show new tickets without a reload."""
    return session.scalar(select(func.max(Ticket.id)).where(visible(session, scope))) or 0


@dataclass(frozen=True)
class WorkCounts:
    """What waits for one person now: shown live on every console page and in the tab title."""

    new: int  # submitted, nobody has taken it yet
    urgent: int  # open with a danger answer
    overdue: int  # open past its deadline
    newest: int  # the newest visible ticket's id (to say "new tickets have arrived")
    urgent_numbers: tuple[str, ...] = ()  # the first few urgent tickets, to name them in the alert

    @property
    def total(self) -> int:
        """What the tab title shows: new and overdue work (urgent work is counted in one or both)."""
        return self.new + self.overdue


def work_counts(session: Session, scope: TicketScope) -> WorkCounts:
    """New, urgent and overdue tickets in this person's queue: one small query over the status index."""
    types = visible_types(session, scope)
    if not types:
        return WorkCounts(0, 0, 0, 0)
    now = clock.now()
    # "+ 0": the open tickets are read through (community_id, status, due_at), not every ticket of these
    # types; the community condition keeps that flat in the number of communities a district holds.
    mine = and_((Ticket.service_type_id + 0).in_(types), Ticket.community_id.in_(scope.community_ids))
    is_new = case((Ticket.status == Status.SUBMITTED, 1), else_=0)
    is_urgent = case((Ticket.urgent.is_(True), 1), else_=0)
    is_late = case((Ticket.due_at < now, 1), else_=0)
    new, urgent, late = session.execute(
        select(func.sum(is_new), func.sum(is_urgent), func.sum(is_late)).where(mine, Ticket.status.in_(OPEN))
    ).one()
    # Sorted here, not by the database: an ORDER BY due_at would walk the due_at index over every ticket,
    # while open urgent tickets are few and are found through the status index.
    urgent_rows = session.execute(
        select(Ticket.due_at, Ticket.number)
        .where(mine, Ticket.status.in_(OPEN), Ticket.urgent.is_(True))
        .limit(500)
    ).all()
    numbers = [number for _due, number in sorted(urgent_rows)[:3]]
    newest = session.scalar(select(func.max(Ticket.id)).where(Ticket.service_type_id.in_(types))) or 0
    return WorkCounts(int(new or 0), int(urgent or 0), int(late or 0), newest, tuple(numbers))


def bulk_change(
    session: Session,
    actor: Actor,
    scope: TicketScope,
    ids: Sequence[int],
    to: Status,
    note: str | None = None,
) -> tuple[list[Ticket], list[tuple[Ticket, str]]]:
    """Move many tickets at once; those that cannot move (or may not be seen) are reported, not changed."""
    done: list[Ticket] = []
    refused: list[tuple[Ticket, str]] = []
    rows = session.scalars(select(Ticket).where(Ticket.id.in_(ids[:PAGE]), visible(session, scope)))
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
    """Dashboard figures: open and overdue now; time to resolve and satisfaction of what was resolved in the
    last 90 days. Everything is counted by the database over the ticket table's own indexes."""
    now = clock.now()
    since = now - timedelta(days=FIGURES_DAYS)
    narrow = {"community_id": community_id} if community_id is not None else {}
    categories = dict(
        session.execute(
            select(ServiceType.id, ServiceType.category).where(
                ServiceType.id.in_(visible_types(session, scope, **narrow))
            )
        ).all()
    )
    mine = Ticket.service_type_id.in_(list(categories)) if categories else false()
    overdue_now = case((Ticket.due_at < now, 1), else_=0)
    building = Ticket.building_id + 0  # "+ 0": group without the building index, so SQLite
    open_rows = session.execute(  # reads only open tickets through the status index
        select(building, Ticket.service_type_id, func.count(), func.sum(overdue_now))
        .where(mine, Ticket.status.in_(OPEN))
        .group_by(building, Ticket.service_type_id)
    ).all()
    by_building: dict[int | None, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    for building_id, type_id, count, late in open_rows:
        category = str(categories[type_id])
        for entry in (by_building.setdefault(building_id, [0, 0]), by_category.setdefault(category, [0, 0])):
            entry[0] += count
            entry[1] += int(late or 0)
    # "+ 0" again: walk the resolved_at index for the period instead of the service type index.
    by_type = (Ticket.service_type_id + 0).in_(list(categories)) if categories else false()
    in_period = (by_type, Ticket.resolved_at >= since)
    resolved, rating, ratings = session.execute(
        select(func.count(), func.avg(Ticket.rating), func.count(Ticket.rating)).where(*in_period)
    ).one()
    median = None
    if resolved:
        median = session.scalar(
            select(Ticket.resolve_minutes)
            .where(*in_period)
            .order_by(Ticket.resolve_minutes)
            .limit(1)
            .offset((resolved - 1) // 2)
        )
    return Figures(
        open=sum(v[0] for v in by_category.values()),
        overdue=sum(v[1] for v in by_category.values()),
        resolved=int(resolved or 0),
        median_hours=round(median / 60, 1) if median is not None else None,
        rating=round(float(rating), 1) if rating is not None else None,
        ratings=int(ratings or 0),
        by_building=sorted(
            ((k, v[0], v[1]) for k, v in by_building.items()), key=lambda r: (r[0] is None, r[0] or 0)
        ),
        by_category=sorted(((k, v[0], v[1]) for k, v in by_category.items()), key=lambda r: -r[1]),
        since=since,
    )


def handler_unit(request: Ticket) -> str:
    """The unit answering now, as the queue filter names it (an escalated ticket is the office's)."""
    if request.escalated_at is not None or request.service_type.handler == Handler.OFFICE:
        return "office"
    if request.service_type.handler == Handler.PROPERTY:
        return "property"
    provider = request.service_type.provider
    return f"provider:{provider.id}:{provider.name}" if provider is not None else "office"


def units_of(session: Session, scope: TicketScope) -> list[str]:
    """The handling units this person can filter by: office, property, and each visible provider record
    that has service types routed to it."""
    rows = session.execute(
        select(ServiceProvider.id, ServiceProvider.name, ServiceProvider.community_id)
        .join(ServiceType, ServiceType.provider_id == ServiceProvider.id)
        .where(
            ServiceType.handler == Handler.PROVIDER,
            ServiceType.community_id.in_(scope.community_ids),
        )
        .distinct()
    ).all()
    mine = {p for _, p in scope.providers}
    found = sorted((name, pid) for pid, name, cid in rows if cid in scope.everything or pid in mine)
    units = ["office", "property"] if scope.everything else (["property"] if scope.property_in else [])
    return units + [f"provider:{pid}:{name}" for name, pid in found]
