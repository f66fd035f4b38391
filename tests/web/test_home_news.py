"""News on the kiosk home: only what was shown is marked seen (the rest is shown on the next visit), and a
certificate just given is announced to the leader who marked the last skill and to the resident."""

from sqlalchemy import select

from tests.conftest import csrf_token
from tests.web.test_desk_staff import new_ticket
from tests.web.test_kiosk_pages import identify
from tests.web.test_training_pages import new_class
from webapp.domain.desk.tickets import add_note, change_status
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.domain.training import courses
from webapp.models import Notification, Status

OFFICE = Actor(type="staff", name="赵刚")


def kiosk_visit(app, kiosk_token, card):
    """A new visit at the kiosk: a fresh browser on the paired kiosk, the resident's card scanned."""
    kiosk = app.test_client()
    kiosk.set_cookie("linli_kiosk", kiosk_token)
    kiosk.set_cookie("linli_locale", "en")
    assert identify(kiosk, card.url("https://x")).get_json()["ok"]
    return kiosk


def unseen_kinds(session, resident_id):
    session.expire_all()
    return session.scalars(
        select(Notification.kind)
        .where(Notification.resident_id == resident_id, Notification.seen_at.is_(None))
        .order_by(Notification.id)
    ).all()


def test_news_not_shown_stays_unseen_and_is_shown_next_visit(app, kiosk_token, session, make_resident):
    person = make_resident("魏奶奶", age=86)
    card = issue_card(session, SYSTEM, person)
    ticket = new_ticket(session, person)
    add_note(session, OFFICE, ticket, "The lift company comes on Monday", public=True)
    change_status(session, OFFICE, ticket, Status.RESOLVED)
    change_status(session, OFFICE, ticket, Status.CLOSED)
    session.commit()
    assert unseen_kinds(session, person.id) == ["note", "status", "status"]  # three news, one ticket
    first = kiosk_visit(app, kiosk_token, card).get("/kiosk/home").get_data(as_text=True)
    assert first.count(f"{ticket.number} is now: Closed") == 1  # one line for the ticket, its state now
    assert "there is a new message for you" not in first
    # Both status news read "is now: Closed" and were shown; the message was not: it waits.
    assert unseen_kinds(session, person.id) == ["note"]
    second = kiosk_visit(app, kiosk_token, card).get("/kiosk/home").get_data(as_text=True)
    assert f"{ticket.number}: there is a new message for you." in second
    assert f"{ticket.number} is now" not in second
    assert unseen_kinds(session, person.id) == []


def test_a_certificate_just_given_is_announced_to_the_leader_and_to_the_resident(
    client,
    auth,
    app,
    kiosk_token,
    session,
    course,
    make_resident,
):
    """With the clock running (not frozen): the "ready" words used to need issued_at == now."""
    client.set_cookie("linli_locale", "en")
    person = make_resident("秦学员", age=74)
    card = issue_card(session, SYSTEM, person)
    ts = new_class(session, course, capacity=5)
    courses.signup(session, SYSTEM, ts, person, "test")
    session.commit()
    auth.sign_in("volunteer")
    url = f"/staff/training/classes/{ts.id}"
    token = csrf_token(client, url)
    first, last = course.skill_codes
    mark = {"csrf_token": token, "resident": person.id, "level": "on_my_own"}
    client.post(f"{url}/mark", data={**mark, "skill": first})
    page = client.post(f"{url}/mark", data={**mark, "skill": last}, follow_redirects=True)
    assert "秦学员 has finished the course: the certificate is ready." in page.get_data(as_text=True)
    again = client.post(f"{url}/mark", data={**mark, "skill": last}, follow_redirects=True)
    assert "the certificate is ready" not in again.get_data(as_text=True)  # given once, said once
    home = kiosk_visit(app, kiosk_token, card).get("/kiosk/home").get_data(as_text=True)
    assert "Well done: your certificate for Phone class is ready. You find it under My skills." in home
    later = kiosk_visit(app, kiosk_token, card).get("/kiosk/home").get_data(as_text=True)
    assert "your certificate for Phone class is ready" not in later


def test_news_that_arrives_between_two_notes_of_a_visit_is_shown_and_marked_seen(
    app, kiosk_token, session, make_resident
):
    """A page within seconds of the last one reads only (issue 21); the home still marks what it shows."""
    person = make_resident("韩伯伯", age=83)
    card = issue_card(session, SYSTEM, person)
    ticket = new_ticket(session, person)
    session.commit()
    kiosk = kiosk_visit(app, kiosk_token, card)
    assert kiosk.get("/kiosk/tickets").status_code == 200  # the visit is noted: the next pages read only
    change_status(session, OFFICE, ticket, Status.RESOLVED)
    change_status(session, OFFICE, ticket, Status.CLOSED)
    session.commit()
    assert unseen_kinds(session, person.id) == ["status", "status"]
    home = kiosk.get("/kiosk/home").get_data(as_text=True)
    assert f"{ticket.number} is now: Closed" in home
    assert unseen_kinds(session, person.id) == []
    assert f"{ticket.number} is now" not in kiosk.get("/kiosk/home").get_data(as_text=True)
