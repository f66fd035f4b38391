"""The kiosk home during a visit, kept per visit (issue 21: webapp/infra/personal_pages.py).

What a resident would notice if the copy were wrong: a request they just filed missing from their screen, a
status the office changed a moment ago shown as before, news shown again after it was read, someone else's
name, a language they did not choose, a button that refuses to send, or the home of a visit that has ended.
Each test looks for exactly that, and for the copy being used at all (a copy never used would pass the rest)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select, update

from tests.conftest import csrf_token
from tests.web.test_desk_staff import new_ticket
from tests.web.test_home_news import OFFICE, kiosk_visit
from tests.web.test_shared_pages import tables_read
from tests.web.test_training_pages import new_class
from webapp.domain.desk.tickets import change_status
from webapp.domain.identity.cards import issue_card
from webapp.domain.life import timebank
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.training import courses
from webapp.infra import clock, page_cache, personal_pages
from webapp.models import (
    Attendance,
    AttendanceStatus,
    Course,
    KioskVisit,
    Notification,
    PageVersion,
    ResidentPageVersion,
    Status,
)

pytestmark = pytest.mark.usefixtures("one_half_minute")

# Read to find the visit and the versions, not shown: the visit is the copy's key.
KEY_TABLES = {"kiosk_visit", "page_version", "resident_page_version", "alembic_version"}


def kept(app):
    return personal_pages._kept(app)


def home(kiosk) -> str:
    answer = kiosk.get("/kiosk/home")
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def book(session, lesson, person) -> None:
    session.add(
        Attendance(
            training_session_id=lesson.id,
            resident_id=person.id,
            status=AttendanceStatus.BOOKED,
            channel="kiosk",
        )
    )


def visit_of(app, kiosk_token, session, person):
    card = issue_card(session, SYSTEM, person)
    session.commit()
    return kiosk_visit(app, kiosk_token, card)


def test_the_home_reads_only_tables_whose_changes_drop_its_copy(
    app, kiosk_token, session, make_resident, engine, frozen
):
    """Rendered with every kind of line it can show (news, an open request, today's class, the time bank),
    the home reads nothing a change to which would leave its copy standing. (On a frozen afternoon: a class a
    minute from now is not today's a minute before midnight in Shanghai.)"""
    person = make_resident("韦奶奶", age=84)
    ticket = new_ticket(session, person)
    change_status(session, OFFICE, ticket, Status.IN_PROGRESS)
    other = new_ticket(session, person)
    change_status(session, OFFICE, other, Status.RESOLVED)
    change_status(session, OFFICE, other, Status.CLOSED)
    course = session.scalars(select(Course).order_by(Course.id)).first()
    lesson = courses.save_session(
        session,
        SYSTEM,
        course,
        None,
        {"place": "Room 1", "starts_at": clock.now() + timedelta(minutes=1), "minutes": 60, "capacity": 5},
    )
    book(session, lesson, person)
    timebank.set_welcome(session, SYSTEM, person.community_id, 4)
    timebank.open_account(session, SYSTEM, person)
    session.commit()
    kiosk = visit_of(app, kiosk_token, session, person)
    kept(app).clear()
    with tables_read(engine) as seen:
        page = home(kiosk)
    assert f"{other.number} is now: Closed" in page  # news
    assert f"{ticket.number} · " in page  # an open request
    assert "Today's class" in page
    assert "2 hours" in page  # the time bank
    unwatched = seen - set(personal_pages.PERSONAL) - set(page_cache.WATCHED) - KEY_TABLES
    assert not unwatched, f"the kiosk home reads {sorted(unwatched)}: add them to personal_pages.PERSONAL"
    assert seen >= {"notification", "service_request", "attendance", "time_entry"}  # the recorder saw them


def test_the_second_look_is_the_copy_and_reads_only_the_visit_and_versions(
    app, kiosk_token, session, make_resident, engine
):
    person = make_resident("韩爷爷", age=88)
    kiosk = visit_of(app, kiosk_token, session, person)
    first = home(kiosk)
    hits = kept(app).hits
    with tables_read(engine) as seen:
        second = home(kiosk)
    assert kept(app).hits == hits + 1
    assert seen <= KEY_TABLES | {"kiosk"}, seen  # (the kiosk's row: when its remembered row is a second old)
    assert "韩爷爷" in second
    # The form token is the visit's own, put back: the same token, signed at the second of each request
    # (Flask-WTF's signature carries the time, so two requests a second apart differ only there).
    assert signed_at_any_time(first) == signed_at_any_time(second)


def signed_at_any_time(page: str) -> str:
    """The page with each form token's time and signature taken off (the token itself stays)."""
    return re.sub(r"([A-Za-z0-9_-]{30,})\.[A-Za-z0-9_-]{4,8}\.[A-Za-z0-9_-]{20,}", r"\1", page)


def test_a_request_filed_now_and_its_status_moved_by_the_office_are_on_the_next_home(
    app, kiosk_token, session, make_resident
):
    person = make_resident("蒋奶奶", age=81)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    home(kiosk)
    hits = kept(app).hits
    ticket = new_ticket(session, person)  # filed on the phone, or by the office for her
    page = home(kiosk)
    assert f"{ticket.number} · Received" in page
    assert kept(app).hits == hits  # rendered anew, not the copy
    home(kiosk)
    change_status(session, OFFICE, ticket, Status.IN_PROGRESS)
    session.commit()
    page = home(kiosk)
    assert f"{ticket.number} · Being handled" in page
    assert f"{ticket.number} · Received" not in page


def test_a_change_written_by_another_process_is_on_the_very_next_home(
    app, kiosk_token, session, make_resident, request
):
    """The versions are read in the request's own transaction, not remembered for a second: the office's
    change through another app server shows on the next tap."""
    person = make_resident("沈奶奶", age=79)
    ticket = new_ticket(session, person)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    home(kiosk)
    other_process = request.getfixturevalue("_connection")
    other_process.execute(update(Notification).values(seen_at=clock.now()))  # (no news line in the way)
    other_process.execute(
        update(PageVersion).where(PageVersion.id == personal_pages.EPOCH_ROW).values(token="other-process")
    )
    assert f"{ticket.number} · Received" in home(kiosk)
    hits = kept(app).hits
    from webapp.models import Ticket

    other_process.execute(update(Ticket).where(Ticket.id == ticket.id).values(status=Status.IN_PROGRESS))
    other_process.execute(
        update(ResidentPageVersion).where(ResidentPageVersion.resident_id == person.id).values(token="moved")
    )
    assert f"{ticket.number} · Being handled" in home(kiosk)
    assert kept(app).hits == hits


def test_news_shown_once_is_not_shown_again_from_the_copy(app, kiosk_token, session, make_resident):
    person = make_resident("秦爷爷", age=83)
    ticket = new_ticket(session, person)
    change_status(session, OFFICE, ticket, Status.RESOLVED)
    change_status(session, OFFICE, ticket, Status.CLOSED)
    session.commit()
    kiosk = visit_of(app, kiosk_token, session, person)
    assert f"{ticket.number} is now: Closed" in home(kiosk)
    assert f"{ticket.number} is now: Closed" not in home(kiosk)  # marked seen: that changed her version
    assert f"{ticket.number} is now: Closed" not in home(kiosk)


def test_another_residents_change_leaves_this_residents_copy_and_a_time_bank_entry_drops_all(
    app, kiosk_token, session, make_resident
):
    person = make_resident("尤奶奶", age=90)
    neighbour = make_resident("许爷爷", age=75)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    home(kiosk)
    hits = kept(app).hits
    new_ticket(session, neighbour)
    home(kiosk)
    assert kept(app).hits == hits + 1  # the neighbour's request is not on her screen: her copy stands
    timebank.set_welcome(session, SYSTEM, person.community_id, 4)
    timebank.open_account(session, SYSTEM, neighbour)  # an entry names an account, not a resident
    session.commit()
    home(kiosk)
    assert kept(app).hits == hits + 1  # the epoch moved: rendered again


def test_each_visit_language_and_text_size_has_its_own_copy(app, kiosk_token, session, make_resident):
    person = make_resident("何奶奶", age=86)
    kiosk = visit_of(app, kiosk_token, session, person)
    assert "hello" in home(kiosk)
    kiosk.set_cookie("linli_locale", "zh_Hant")
    assert "您好" in home(kiosk)
    assert "hello" not in home(kiosk)
    kiosk.set_cookie("linli_locale", "en")
    assert 'class="theme-kiosk text-0"' in home(kiosk)
    kiosk.set_cookie("linli_display", "21")  # the largest text, high contrast
    page = home(kiosk)
    assert "text-2" in page
    assert "text-0" not in page
    later = visit_of(app, kiosk_token, session, make_resident("吕爷爷", age=80))
    page = home(later)
    assert "吕爷爷" in page
    assert "何奶奶" not in page


def test_the_form_on_a_kept_home_works(app, kiosk_token, session, make_resident):
    person = make_resident("施奶奶", age=85)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    hits = kept(app).hits
    page = home(kiosk)
    assert kept(app).hits == hits + 1
    token = csrf_token(kiosk, "/kiosk/home")
    assert token in page
    done = kiosk.post("/kiosk/checkin", data={"csrf_token": token})
    assert done.status_code == 200
    assert "We have noted that you are fine today." in done.get_data(as_text=True)


def test_a_message_waiting_to_be_shown_is_shown_once_and_never_kept(app, kiosk_token, session, make_resident):
    person = make_resident("金奶奶", age=87)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    home(kiosk)  # the copy exists
    with kiosk.session_transaction() as state:
        state["_flashes"] = [("info", "Your place is kept.")]
    assert "Your place is kept." in home(kiosk)
    assert "Your place is kept." not in home(kiosk)
    assert "Your place is kept." not in home(kiosk)


def test_another_kiosks_browser_never_gets_this_visits_home(
    app, kiosk_token, session, make_resident, demo_community
):
    from webapp.domain.kiosk.devices import create_kiosk, pair, start_pairing

    person = make_resident("姚爷爷", age=82)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    home(kiosk)
    other = create_kiosk(session, SYSTEM, demo_community.id, "Lobby 2", "Building 2")
    _kiosk, other_token = pair(session, start_pairing(session, SYSTEM, other))
    session.commit()
    kiosk.set_cookie("linli_kiosk", other_token)  # the visit's session, shown at another kiosk
    answer = kiosk.get("/kiosk/home")
    assert answer.status_code == 302
    assert "姚爷爷" not in answer.get_data(as_text=True)


def test_a_copy_lives_in_its_half_minute_only(app, kiosk_token, session, make_resident, frozen):
    person = make_resident("邹奶奶", age=80)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    home(kiosk)
    hits = kept(app).hits
    frozen.advance(seconds=personal_pages.SLICE_SECONDS)
    home(kiosk)
    assert kept(app).hits == hits  # a new half minute: rendered again ("today" may have turned)


def test_an_ended_visit_gets_the_start_screen_not_its_copy(app, kiosk_token, session, make_resident):
    person = make_resident("张奶奶", age=92)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    home(kiosk)
    session.execute(update(KioskVisit).values(ended_at=clock.now(), end_reason="idle"))
    session.commit()
    answer = kiosk.get("/kiosk/home")
    assert answer.status_code == 302
    with app.test_request_context():
        assert answer.headers["Location"] == url_for("kiosk.attract")


def test_a_visit_past_its_idle_limit_is_ended_not_served(app, kiosk_token, session, make_resident):
    """Its last activity written long ago by another process, though this process noted the visit a moment
    ago: the kept home is not served, the visit is ended."""
    person = make_resident("孔爷爷", age=77)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    home(kiosk)
    session.execute(update(KioskVisit).values(last_seen_at=clock.now() - timedelta(minutes=30)))
    session.commit()
    assert kiosk.get("/kiosk/home").status_code == 302
    session.expire_all()
    assert session.scalar(select(KioskVisit.end_reason).order_by(KioskVisit.id.desc())) == "idle"


def test_a_helped_visit_is_never_kept(app, kiosk_token, session, make_resident):
    person = make_resident("曹奶奶", age=89)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    session.execute(update(KioskVisit).values(helper_id=1))
    session.commit()
    size, hits = len(kept(app)), kept(app).hits
    home(kiosk)
    home(kiosk)
    assert kept(app).hits == hits
    assert len(kept(app)) <= size


def test_a_statement_over_many_rows_that_does_not_say_whose_drops_every_copy(
    app, kiosk_token, session, make_resident
):
    person = make_resident("严奶奶", age=80)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    epoch = session.scalar(select(PageVersion.token).where(PageVersion.id == personal_pages.EPOCH_ROW))
    session.execute(update(Attendance).values(status=AttendanceStatus.BOOKED))
    session.commit()
    session.expire_all()
    assert (
        session.scalar(select(PageVersion.token).where(PageVersion.id == personal_pages.EPOCH_ROW)) != epoch
    )


def test_a_class_booked_today_is_on_the_next_home(app, kiosk_token, session, make_resident, frozen):
    """The class existed before the copy was made: only her booking (an attendance row) changes (on a frozen
    afternoon, as above)."""
    course = session.scalars(select(Course).order_by(Course.id)).first()
    lesson = new_class(session, course, capacity=5, hours=0)
    lesson.starts_at = clock.now() + timedelta(minutes=1)
    session.commit()
    person = make_resident("华爷爷", age=78)
    kiosk = visit_of(app, kiosk_token, session, person)
    home(kiosk)
    assert "Today's class" not in home(kiosk)
    book(session, lesson, person)
    session.commit()
    assert "Today's class" in home(kiosk)


def test_a_row_removed_or_moved_to_another_resident_changes_both_homes(session, make_resident, app):
    """Through the ORM: a removed row names its resident, a moved one both (or the epoch when the old one was
    never loaded)."""
    first, second = make_resident("甲", age=70), make_resident("乙", age=71)
    ticket = new_ticket(session, first)

    def own(resident) -> str | None:
        session.expire_all()
        return session.scalar(
            select(ResidentPageVersion.token).where(ResidentPageVersion.resident_id == resident.id)
        )

    def epoch() -> str | None:
        return session.scalar(select(PageVersion.token).where(PageVersion.id == personal_pages.EPOCH_ROW))

    before = own(first), own(second)
    ticket = session.get(type(ticket), ticket.id)
    assert ticket.resident_id == first.id  # (loaded: the change knows whose it was)
    ticket.resident_id = second.id
    session.commit()
    assert own(first) != before[0]
    assert own(second) != before[1]
    ticket = session.get(type(ticket), ticket.id)
    session.expire(ticket, ["resident_id"])
    was = epoch()
    ticket.resident_id = first.id  # the old owner never loaded
    session.commit()
    assert epoch() != was
    change_status(session, OFFICE, ticket, Status.IN_PROGRESS)  # news for her
    session.commit()
    news = session.scalars(select(Notification).where(Notification.resident_id == first.id)).all()
    assert news
    before = own(first)
    for item in news:
        session.delete(item)
    session.commit()
    assert own(first) != before


def test_a_change_to_a_row_of_a_resident_removed_meanwhile_still_commits(session, make_resident, app):
    from sqlalchemy import delete

    from webapp.models import Resident

    person = make_resident("丙", age=72)
    ticket = new_ticket(session, person)
    session.execute(delete(Notification).where(Notification.resident_id == person.id))
    session.execute(delete(Resident).where(Resident.id == person.id))  # its requests keep no one
    ticket.place = "Lift"  # the row in memory still names her
    session.commit()
    assert (
        session.scalar(select(ResidentPageVersion).where(ResidentPageVersion.resident_id == person.id))
        is None
    )


def test_two_changes_crossing_between_two_residents_do_not_deadlock(app, databases):
    """Each of two transactions changes a row of one resident, then of the other, in opposite orders (two
    class cancellations, each moving the other's waiting neighbour up). Their versions are set at commit,
    residents in id order, so one waits for the other: neither is chosen as a deadlock's victim (PostgreSQL;
    SQLite lets one writer in at a time)."""
    import threading

    from sqlalchemy.orm import Session

    from webapp.infra.db import make_engine
    from webapp.models import Resident

    engine = make_engine(databases.seeded("personal_crossing"))
    if engine.dialect.name != "postgresql":
        engine.dispose()
        pytest.skip("row locks: PostgreSQL's; SQLite has one writer at a time")
    try:
        with Session(engine) as arrange:
            first, second = arrange.scalars(select(Resident.id).order_by(Resident.id).limit(2)).all()
            for owner in (first, second, first, second):
                arrange.add(Notification(resident_id=owner, kind="note", detail="news"))
            arrange.commit()
            rows = {
                owner: arrange.scalars(
                    select(Notification.id)
                    .where(Notification.resident_id == owner)
                    .order_by(Notification.id.desc())
                ).all()[:2]
                for owner in (first, second)
            }
        both_in = threading.Barrier(2, timeout=30)
        failures: list[BaseException] = []

        def change(order: tuple[int, int], pick: int) -> None:
            try:
                with Session(engine) as db:
                    for step, owner in enumerate(order):
                        db.get(Notification, rows[owner][pick]).seen_at = clock.now()
                        db.flush()
                        if step == 0:
                            both_in.wait()
                    db.commit()
            except BaseException as exc:  # noqa: BLE001 (the failure is the observation)
                failures.append(exc)

        threads = [
            threading.Thread(target=change, args=((first, second), 0)),
            threading.Thread(target=change, args=((second, first), 1)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not failures, failures
    finally:
        engine.dispose()
