"""/api/v1: appointments and slots, notices (read and publish), events and classes, the local directory and
the desk's figures: counts and times, never who.

Each view's address is in `webapp/api/routes.py` (this module is imported at the first call of one)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.api.keys import caller, community, guard
from webapp.api.problems import fail
from webapp.api.shapes import (
    AppointmentOut,
    Appointments,
    CategoryFigures,
    Directory,
    DirectoryEntry,
    EventOut,
    Events,
    FiguresOut,
    NoticeIn,
    NoticeOut,
    Notices,
    SlotOut,
    Slots,
)
from webapp.api.spec import answers, spec
from webapp.domain.desk import bookings
from webapp.domain.desk.queue import TicketScope, figures
from webapp.domain.identity.api_keys import Scope
from webapp.domain.life import directory, events, notices
from webapp.domain.training import courses
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.models import Booking, BookingStatus, Notice, ServiceType, Slot, Ticket


@guard(Scope.READ_BOOKINGS)
@spec.validate(resp=answers(HTTP_200=Slots), tags=["appointments"])
def slots(slug: str) -> Any:
    """Future appointment slots with a free place, per service."""
    session = get_session()
    items = []
    services = session.scalars(
        select(ServiceType).where(ServiceType.community_id == community().id, ServiceType.active.is_(True))
    )
    for service in services:
        for slot in bookings.open_slots(session, service):
            items.append(
                SlotOut(
                    id=slot.id,
                    service_code=service.code,
                    starts_at=slot.starts_at,
                    minutes=slot.minutes,
                    place=slot.place,
                    capacity=slot.capacity,
                    booked=slot.booked,
                )
            )
    return Slots(items=sorted(items, key=lambda s: (s.starts_at, s.id)))


@guard(Scope.READ_BOOKINGS)
@spec.validate(resp=answers(HTTP_200=Appointments), tags=["appointments"])
def appointments(slug: str) -> Any:
    """Appointments from today on: which ticket, when and where (not who)."""
    rows = get_session().execute(
        select(Booking, Slot, Ticket, ServiceType)
        .join(Slot, Booking.slot_id == Slot.id)
        .join(Ticket, Booking.request_id == Ticket.id)
        .join(ServiceType, Slot.service_type_id == ServiceType.id)
        .where(Ticket.community_id == community().id, Slot.starts_at >= clock.now() - timedelta(days=1))
        .where(Booking.status != BookingStatus.CANCELLED)
        .order_by(Slot.starts_at, Booking.id)
        .limit(500)
    )
    items = [
        AppointmentOut(
            ticket=t.number,
            service_code=s.code,
            starts_at=slot.starts_at,
            place=slot.place,
            status=b.status.value,
        )
        for b, slot, t, s in rows
    ]
    return Appointments(items=items)


def notice_out(notice: Notice) -> NoticeOut:
    return NoticeOut(
        id=notice.id,
        titles=dict(notice.titles),
        summaries=dict(notice.summaries or {}),
        bodies=dict(notice.bodies),
        urgent=notice.urgent,
        starts_at=notice.starts_at,
        ends_at=notice.ends_at,
    )


@guard(Scope.READ_LIFE)
@spec.validate(resp=answers(HTTP_200=Notices), tags=["notices"])
def notice_list(slug: str) -> Any:
    """Current notices meant for everyone (not those for some buildings or groups only)."""
    rows = notices.current_notices(get_session(), community().id, public_only=True)
    return Notices(items=[notice_out(n) for n in rows])


@guard(Scope.PUBLISH_NOTICES)
@spec.validate(json=NoticeIn, resp=answers(writes=True, HTTP_201=NoticeOut), tags=["notices"])
def notice_publish(slug: str, json: NoticeIn) -> Any:
    """Publish a notice to the whole community (as the office's notices page does)."""
    values = {
        "titles": json.titles.model_dump(exclude_none=True),
        "bodies": json.bodies.model_dump(exclude_none=True),
        "summaries": json.summaries.model_dump(exclude_none=True),
        "urgent": json.urgent,
        "starts_at": json.starts_at or clock.now(),
        "ends_at": json.ends_at,
        "building_ids": [],
        "groups": [],
    }
    errors = notices.check_notice(values, set())
    if errors:
        fail(422, _("Some of the input is not right"), _("Please check the fields named in errors."), errors)
    notice = notices.save_notice(get_session(), caller().actor, community().id, None, values)
    return notice_out(notice), 201


@guard(Scope.READ_LIFE)
@spec.validate(resp=answers(HTTP_200=Events), tags=["life"])
def event_list(slug: str) -> Any:
    """Coming events and classes (training sessions), soonest first."""
    session = get_session()
    items = [
        EventOut(
            kind="event",
            id=e.id,
            titles=dict(e.titles),
            place=e.place,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            capacity=e.capacity,
        )
        for e in events.upcoming(session, community().id)
    ]
    items += [
        EventOut(
            kind="class",
            id=ts.id,
            titles=dict(ts.course.titles),
            place=ts.place,
            starts_at=ts.starts_at,
            ends_at=ts.ends_at,
            capacity=ts.capacity,
        )
        for ts in courses.upcoming(session, community().id)
    ]
    return Events(items=sorted(items, key=lambda e: (e.starts_at, e.kind, e.id)))


@guard(Scope.READ_LIFE)
@spec.validate(resp=answers(HTTP_200=Directory), tags=["life"])
def directory_list(slug: str) -> Any:
    """The local services directory (shops, clinics, canteens): businesses' own public details."""
    items = [
        DirectoryEntry(
            id=e.id,
            kind=e.kind.value,
            names=dict(e.names),
            address=e.address,
            phone=e.phone,
            hours=e.hours or [],
            serves_elderly=e.serves_elderly,
            serves_disabled=e.serves_disabled,
        )
        for e in directory.entries(get_session(), community().id)
    ]
    return Directory(items=items)


@guard(Scope.READ_FIGURES)
@spec.validate(resp=answers(HTTP_200=FiguresOut), tags=["figures"])
def desk_figures(slug: str) -> Any:
    """The desk's figures: open and overdue now, resolved in the last 90 days, time to resolve, rating."""
    cid = community().id
    f = figures(get_session(), TicketScope(everything=frozenset({cid})), cid)
    return FiguresOut(
        open=f.open,
        overdue=f.overdue,
        resolved=f.resolved,
        median_hours=f.median_hours,
        rating=f.rating,
        ratings=f.ratings,
        since=f.since,
        by_category=[
            CategoryFigures(category=str(c), open=int(n), overdue=int(late)) for c, n, late in f.by_category
        ],
    )
