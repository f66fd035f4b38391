"""An archived community stops new activity, as a rule of the core (issue 16 item 2): no new tickets,
bookings, sign-ups, check-ins, kiosk pairing, invitations or providers; every record stays readable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.domain import CommunityArchived
from webapp.domain.desk import bookings
from webapp.domain.desk import queue as desk
from webapp.domain.desk.providers import ProviderDetails, add_provider
from webapp.domain.desk.tickets import submit
from webapp.domain.identity import accounts
from webapp.domain.kiosk import care, devices
from webapp.domain.life import events
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.domain.register.setup import set_archived
from webapp.infra import clock
from webapp.models import Event, Kiosk, Role, ServiceType, Slot, StaffUser, Ticket


def test_nothing_new_starts_in_an_archived_community_and_everything_stays_readable(
    session, demo_community, make_resident
):
    suggestion = session.scalar(select(ServiceType).where(ServiceType.code == "suggestion"))
    health = session.scalar(select(ServiceType).where(ServiceType.code == "health-check"))
    slot = Slot(
        service_type_id=health.id,
        starts_at=clock.now() + timedelta(hours=48),
        minutes=30,
        place="健康小屋",
        capacity=3,
        booked=0,
    )
    session.add(slot)
    session.flush()
    person = make_resident("孙大爷", age=75)
    me = Actor(type="resident", id=person.id)
    open_ticket = submit(session, me, person, health, {"slot": str(slot.id)}, "phone").request
    booking = bookings.active_booking(session, open_ticket)
    event = Event(
        community_id=demo_community.id,
        titles={"en": "Dumplings"},
        place="Hall",
        starts_at=clock.now() + timedelta(days=3),
        ends_at=clock.now() + timedelta(days=3, hours=2),
        capacity=5,
    )
    kiosk = session.scalar(select(Kiosk).where(Kiosk.community_id == demo_community.id))
    admin = session.scalar(select(StaffUser).where(StaffUser.username == "district"))
    session.add(event)
    session.flush()
    code = devices.start_pairing(session, SYSTEM, kiosk)
    set_archived(session, SYSTEM, demo_community, True)

    refused = {
        "ticket": lambda: submit(session, me, person, suggestion, {"details": "路灯"}, "phone"),
        "booking": lambda: bookings.book(session, open_ticket, slot.id),
        "booking check-in": lambda: bookings.check_in(session, booking, slot.starts_at),
        "sign-up": lambda: events.signup(session, me, event, person, "phone"),
        "daily check-in": lambda: care.check_in(session, me, person, "kiosk:1"),
        "kiosk pairing": lambda: devices.start_pairing(session, SYSTEM, kiosk),
        "kiosk paired with an old code": lambda: devices.pair(session, code),
        "invitation": lambda: accounts.invite(
            session, SYSTEM, admin, demo_community.id, Role.COMMUNITY_WORKER, "新同事"
        ),
        "provider": lambda: add_provider(
            session, SYSTEM, None, demo_community, ProviderDetails(name="快修队")
        ),
    }
    for what, attempt in refused.items():
        with pytest.raises(CommunityArchived):  # noqa: PT012 (the message names what was let through)
            attempt()
            pytest.fail(f"{what} was not refused")
    # Every record stays readable: the office's queue still lists the community's tickets.
    office = desk.scope_of(session.scalar(select(StaffUser).where(StaffUser.username == "admin")))
    assert desk.can_see(office, open_ticket)
    assert session.scalar(select(Ticket).where(Ticket.id == open_ticket.id)) is not None
    # Made active again, it works as before.
    set_archived(session, SYSTEM, demo_community, False)
    assert submit(session, me, person, suggestion, {"details": "路灯"}, "staff").request.id
