"""Appointments: book, change, cancel (the seat comes back), a past or full time refused, reminders sent once."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.domain.desk import bookings
from webapp.domain.desk.catalog import AnswerErrors
from webapp.domain.desk.tickets import change_status, submit
from webapp.domain.privacy.audit import Actor
from webapp.infra import clock
from webapp.models import BookingStatus, Notification, ServiceType, Slot, Status


@pytest.fixture
def health(session, demo_community) -> ServiceType:
    return session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == demo_community.id, ServiceType.code == "health-check"
        )
    )


def slot(session, service, hours: float, capacity: int = 2) -> Slot:
    s = Slot(
        service_type_id=service.id,
        starts_at=clock.now() + timedelta(hours=hours),
        minutes=30,
        place="健康小屋",
        capacity=capacity,
        booked=0,
    )
    session.add(s)
    session.flush()
    return s


def book(session, resident, service, s):
    me = Actor(type="resident", id=resident.id)
    return submit(session, me, resident, service, {"slot": str(s.id)}, "phone").request


def test_change_moves_the_seat_and_cancel_gives_it_back(session, health, make_resident, frozen):
    person = make_resident("孙大爷", age=75)
    first, second = slot(session, health, 48), slot(session, health, 72, capacity=1)
    ticket = book(session, person, health, first)
    assert (first.booked, second.booked) == (1, 0)
    moved = bookings.change(session, ticket, second.id)
    session.refresh(first)
    session.refresh(second)
    assert (first.booked, second.booked) == (0, 1)
    assert bookings.active_booking(session, ticket) is moved
    other = make_resident("钱阿姨", age=70)
    with pytest.raises(AnswerErrors) as full:  # the one place is taken: "full", said as such
        book(session, other, health, second)
    assert full.value.errors["slot"] == "full"
    change_status(session, Actor(type="resident", id=person.id), ticket, Status.CANCELLED)
    session.refresh(second)
    assert second.booked == 0  # cancelling the request gives the place back
    assert moved.status == BookingStatus.CANCELLED
    book(session, other, health, second)  # and someone else can take it
    with pytest.raises(bookings.BookingError, match="no_booking"):
        bookings.change(session, ticket, first.id)


def test_a_time_already_past_is_refused(session, health, make_resident, frozen):
    person = make_resident("周奶奶", age=82)
    soon = slot(session, health, 1)
    frozen.advance(hours=2)
    with pytest.raises(AnswerErrors) as past:
        book(session, person, health, soon)
    assert past.value.errors["slot"] == "past"
    assert soon not in bookings.open_slots(session, health)


@pytest.mark.parametrize("answer", ["²", "٣", "99999999999999999999", "-1", "0", "1e3", " 7 8"])
def test_an_answer_that_names_no_slot_is_refused_as_such(session, health, make_resident, answer):
    """Whatever face or system sends the answer, the core says "no_slot" (never an error the database or
    int() raises): "²" and "٣" are digits to str.isdigit, 99999999999999999999 fits no id column."""
    person = make_resident("郑奶奶", age=80)
    taken = [s.booked for s in session.scalars(select(Slot).where(Slot.service_type_id == health.id))]
    with pytest.raises(AnswerErrors) as refused:
        submit(session, Actor(type="resident", id=person.id), person, health, {"slot": answer}, "phone")
    assert refused.value.errors == {"slot": "no_slot"}
    assert [s.booked for s in session.scalars(select(Slot).where(Slot.service_type_id == health.id))] == taken
    with pytest.raises(bookings.BookingError, match="no_slot"):
        bookings.slot_number(10**20)


def test_reminders_go_once_a_day_ahead(session, health, make_resident, frozen):
    person = make_resident("吴爷爷", age=88)
    tomorrow, later = slot(session, health, 20), slot(session, health, 24 * 5)
    near, far = book(session, person, health, tomorrow), book(session, person, health, later)

    def reminded() -> list[int | None]:
        return [
            n.request_id
            for n in session.scalars(
                select(Notification)
                .where(Notification.resident_id == person.id, Notification.kind == "reminder")
                .order_by(Notification.id)
            )
        ]

    bookings.send_reminders(session)
    assert reminded() == [near.id]  # within a day: reminded; five days ahead: not yet
    assert bookings.send_reminders(session) == 0  # running the job again sends nothing new
    assert reminded() == [near.id]
    frozen.advance(days=4, hours=1)
    bookings.send_reminders(session)
    assert reminded() == [near.id, far.id]
