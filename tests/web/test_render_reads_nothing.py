"""Pages with news are worded by their views: nothing reads the database while a template renders (issue 22,
defect 5). A notification's words read the ticket, booking, class or event it is about; when templates
called `notification_words` and `slot_words`, each line of news was a query in the middle of the render."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import before_render_template, template_rendered
from sqlalchemy import event, select

from tests.web.test_desk_staff import new_ticket
from tests.web.test_home_news import OFFICE, kiosk_visit
from webapp.domain.desk.tickets import add_note, change_status, submit
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.infra import clock
from webapp.infra.db import database
from webapp.models import Notification, ServiceType, Slot, Status


@contextmanager
def reads_while_rendering(app) -> Iterator[list[str]]:
    """The SQL statements sent between a template's render starting and ending, for this app."""
    depth = [0]
    seen: list[str] = []

    def started(_sender, **_extra) -> None:
        depth[0] += 1

    def ended(_sender, **_extra) -> None:
        depth[0] -= 1

    def sent(_conn, _cursor, statement, *_args) -> None:
        if depth[0]:
            seen.append(statement.split("\n")[0][:120])

    engine = database(app).engine
    before_render_template.connect(started, app)
    template_rendered.connect(ended, app)
    event.listen(engine, "before_cursor_execute", sent)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", sent)
        before_render_template.disconnect(started, app)
        template_rendered.disconnect(ended, app)


def news_of_every_ticket_kind(session, person):
    """A status change, a note and an appointment reminder (which reads the booking) for `person`."""
    ticket = new_ticket(session, person)
    add_note(session, OFFICE, ticket, "The lift company comes on Monday", public=True)
    change_status(session, OFFICE, ticket, Status.ACCEPTED)
    check = session.scalar(select(ServiceType).where(ServiceType.code == "health-check"))
    slot = Slot(
        service_type_id=check.id, starts_at=clock.now() + timedelta(days=1), place="Room 1", capacity=3
    )
    session.add(slot)
    session.flush()
    booked = submit(
        session, Actor(type="resident", id=person.id), person, check, {"slot": str(slot.id)}, "phone"
    ).request
    session.add(Notification(resident_id=person.id, request_id=booked.id, kind="reminder"))
    session.commit()
    return ticket, booked


def test_the_kiosk_home_words_its_news_before_rendering(app, kiosk_token, session, make_resident):
    person = make_resident("读新闻", age=80)
    card = issue_card(session, SYSTEM, person)
    ticket, booked = news_of_every_ticket_kind(session, person)
    change_status(session, OFFICE, ticket, Status.RESOLVED)  # a finished ticket's news is a line of its own
    session.commit()
    kiosk = kiosk_visit(app, kiosk_token, card)
    with reads_while_rendering(app) as reads:
        page = kiosk.get("/kiosk/home").get_data(as_text=True)
    assert f"{ticket.number} is now: Done" in page
    assert booked.number in page  # open: a chip with its news badge
    assert reads == []


def test_the_phones_news_is_worded_before_rendering(app, session, make_resident, signed_in_phone):
    person = make_resident("手机新闻", age=70)
    ticket, booked = news_of_every_ticket_kind(session, person)
    phone = signed_in_phone(person)
    with reads_while_rendering(app) as reads:
        me = phone.get("/me").get_data(as_text=True)
    assert f"{ticket.number} is now: Accepted" in me
    assert reads == []
    with reads_while_rendering(app) as reads:
        mine = phone.get("/tickets").get_data(as_text=True)
    assert f"Reminder: your appointment {booked.number} is on" in mine
    assert reads == []


def test_console_pages_count_and_load_before_rendering(app, client, auth, session, make_resident):
    """The work bar's counts, the overview's regions and the time bank's names and flats are read by the view;
    before, the layout counted the work bar (four queries) and the time bank loaded each name and flat in the
    middle of the render (nine more for three volunteers)."""
    from webapp.domain.life import timebank, volunteering

    for n in range(3):
        volunteer = make_resident(f"时间银行{n}", age=60 + n)
        timebank.open_account(session, OFFICE, volunteer)
        volunteering.claim(session, OFFICE, volunteer, "help_given", 2, clock.now().date(), "陪老人散步")
    new_ticket(session, make_resident("报修人", age=75))
    session.commit()
    auth.sign_in("admin")
    for path in ("/staff/", "/staff/tickets", "/staff/training", "/staff/timebank", "/staff/timebank?q=1"):
        with reads_while_rendering(app) as reads:
            answer = client.get(path)
        assert answer.status_code == 200, path
        assert "data-work " in answer.get_data(as_text=True), path  # the work bar is on the page
        assert reads == [], path
    missing = client.get("/staff/no-such-page")  # an error page under /staff keeps the work bar
    assert missing.status_code == 404
    assert "data-work " in missing.get_data(as_text=True)
    assert "data-work " not in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    page = client.get("/staff/timebank").get_data(as_text=True)
    assert all(f"时间银行{n}" in page for n in range(3))
