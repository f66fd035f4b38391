"""The ticket life cycle from the staff channel (a ticket taken for a resident) and at the kiosk (cancel,
reopen), and appointments checked in at the venue by scanning the card or the ticket's QR."""

import re
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_token
from tests.web.test_kiosk_pages import identify
from webapp.domain.desk.tickets import change_status, submit
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.infra import clock
from webapp.models import AuditEntry, Booking, BookingStatus, ServiceType, Slot, Status, Ticket


def test_staff_take_a_ticket_for_a_resident_through_its_whole_life(client, auth, session, make_resident):
    person = make_resident("电话报修的阿婆", age=84)
    client.set_cookie("linli_locale", "en")
    auth.sign_in("worker")
    page = client.get(f"/staff/residents/{person.id}/tickets/new?service=repair-water")
    assert page.status_code == 200
    token = csrf_token(client, f"/staff/residents/{person.id}/tickets/new")
    missing = client.post(
        f"/staff/residents/{person.id}/tickets/new",
        data={"csrf_token": token, "service": "repair-water", "a_where": "home", "a_details": "Kitchen tap"},
    )
    assert missing.status_code == 400
    body = missing.get_data(as_text=True)
    assert "Please answer this question." in body
    assert "Kitchen tap" in body  # what was typed is kept
    sent = client.post(
        f"/staff/residents/{person.id}/tickets/new",
        data={"csrf_token": token, "service": "repair-water", "a_where": "home", "a_urgent": "yes"},
    )
    assert sent.status_code == 303
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == person.id))
    assert ticket.channel == "staff"
    first = ticket.events[0]
    assert first.actor_type == "staff"
    assert first.to_status == Status.SUBMITTED
    for to in ("accepted", "in_progress", "resolved"):
        assert (
            client.post(
                f"/staff/tickets/{ticket.id}/status", data={"csrf_token": token, "to": to}
            ).status_code
            == 303
        )
    session.expire_all()
    assert ticket.status == Status.RESOLVED
    change_status(session, Actor(type="resident", id=person.id), ticket, Status.IN_PROGRESS)  # reopened
    change_status(session, Actor(type="staff", name="x"), ticket, Status.RESOLVED)
    change_status(session, Actor(type="resident", id=person.id), ticket, Status.CLOSED)
    session.commit()
    assert [e.to_status.value for e in ticket.events if e.to_status] == [
        "submitted",
        "accepted",
        "in_progress",
        "resolved",
        "in_progress",
        "resolved",
        "closed",
    ]


def test_kiosk_cancel_and_reopen(kiosk_client, session, make_resident):
    person = make_resident("自助机阿公", age=78)
    issued = issue_card(session, SYSTEM, person)
    lift = session.scalar(select(ServiceType).where(ServiceType.code == "repair-lift"))
    first = submit(
        session, Actor(type="resident", id=person.id), person, lift, {"urgent": "no"}, "kiosk"
    ).request
    second = submit(
        session, Actor(type="resident", id=person.id), person, lift, {"urgent": "no"}, "kiosk"
    ).request
    change_status(session, Actor(type="staff", name="赵刚"), second, Status.RESOLVED)
    session.commit()
    kiosk_client.set_cookie("linli_locale", "en")
    identify(kiosk_client, issued.url("https://x"))
    token = csrf_token(kiosk_client, "/kiosk/home")
    page = kiosk_client.get(f"/kiosk/tickets/{first.number}").get_data(as_text=True)
    assert "I no longer need this: cancel" in page
    asked = kiosk_client.post(
        f"/kiosk/tickets/{first.number}", data={"csrf_token": token, "action": "cancel"}
    )
    # One tap only asks, naming the request; nothing is cancelled until the second tap on that screen.
    assert f"Withdraw your request {first.number}" in asked.get_data(as_text=True)
    session.expire_all()
    assert first.status == Status.SUBMITTED
    done = kiosk_client.post(
        f"/kiosk/tickets/{first.number}", data={"csrf_token": token, "action": "cancel", "confirmed": "yes"}
    )
    assert f"Your request {first.number}" in done.get_data(as_text=True)
    kiosk_client.post(f"/kiosk/tickets/{second.number}", data={"csrf_token": token, "action": "reopen"})
    session.expire_all()
    assert first.status == Status.CANCELLED
    assert second.status == Status.IN_PROGRESS
    refused = kiosk_client.post(
        f"/kiosk/tickets/{first.number}", data={"csrf_token": token, "action": "reopen"}
    )
    assert refused.status_code == 400


def test_venue_check_in_by_card_or_ticket_qr(client, auth, session, make_resident, frozen):
    person = make_resident("体检的阿姨", age=69)
    issued = issue_card(session, SYSTEM, person)
    check = session.scalar(select(ServiceType).where(ServiceType.code == "health-check"))
    slot = Slot(
        service_type_id=check.id,
        starts_at=clock.now() + timedelta(minutes=30),
        place="Room 1",
        capacity=3,
        booked=0,
    )
    session.add(slot)
    session.flush()
    done = submit(
        session, Actor(type="resident", id=person.id), person, check, {"slot": str(slot.id)}, "phone"
    )
    session.commit()
    client.set_cookie("linli_locale", "en")
    auth.sign_in("provider")  # the health station's doctor runs the venue
    token = csrf_token(client, "/staff/checkin")
    unknown = client.post("/staff/checkin", data={"csrf_token": token, "scan": "https://x/c/not-a-card"})
    assert unknown.status_code == 400
    ok = client.post("/staff/checkin", data={"csrf_token": token, "scan": issued.url("https://x")})
    assert ok.status_code == 200
    assert "is checked in" in ok.get_data(as_text=True)
    booking = session.scalar(select(Booking).where(Booking.request_id == done.request.id))
    session.refresh(booking)
    assert booking.status == BookingStatus.ATTENDED
    again = client.post(
        "/staff/checkin", data={"csrf_token": token, "scan": f"https://x/t/{done.follow_token}"}
    )
    assert again.status_code == 200  # the ticket's QR works too (and checking in twice is harmless)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "booking.checked_in")) is not None
    frozen.advance(hours=5)
    client.get("/staff/")  # the idle limit passed with the frozen clock: signed out
    auth.sign_in("provider")
    late = client.post(
        "/staff/checkin",
        data={"csrf_token": csrf_token(client, "/staff/checkin"), "scan": f"https://x/t/{done.follow_token}"},
    )
    assert late.status_code == 400
    assert "not now" in late.get_data(as_text=True)
    auth.sign_out()
    auth.sign_in("property")  # the property company cannot see the health station's tickets
    other = client.post(
        "/staff/checkin",
        data={"csrf_token": csrf_token(client, "/staff/checkin"), "scan": f"https://x/t/{done.follow_token}"},
    )
    assert other.status_code == 400
    assert re.search("There is no appointment", other.get_data(as_text=True))
