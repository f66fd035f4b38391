"""The services desk console: queue filters, bulk changes, figures, CSV, escalation job, catalog and slots;
and the kiosk side of tickets: booking a time, My requests with rating faces."""

import csv
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.conftest import csrf_token
from tests.web.test_kiosk_pages import identify
from webapp.domain.desk.providers import ProviderDetails, add_provider
from webapp.domain.desk.tickets import submit
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.infra import clock
from webapp.models import Community, Notification, ProviderKind, ServiceType, Slot, Status, TicketEvent


def service(session, code):
    return session.scalar(select(ServiceType).where(ServiceType.code == code))


def new_ticket(session, resident, code="repair-lift", answers=None):
    done = submit(
        session,
        Actor(type="resident", id=resident.id),
        resident,
        service(session, code),
        answers or {"urgent": "no"},
        "phone",
        household_id=resident.household_id,
    )
    session.commit()
    return done.request


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/staff/"), **data})


def numbers_on(page: str) -> list[str]:
    return re.findall(r'class="ticket-ref" href="/staff/tickets/\d+">([A-Z]-\d+)<', page)


def test_queue_filters_overdue_mine_and_pages(client, auth, session, make_resident, frozen):
    person = make_resident("刘大爷", age=75)
    lift = new_ticket(session, person)  # 12 hours
    water = new_ticket(session, person, "repair-water", {"where": "home", "urgent": "no"})  # 24 hours
    frozen.advance(hours=13)
    client.set_cookie("linli_locale", "en")
    auth.sign_in("property")
    assert {lift.number, water.number} <= set(numbers_on(client.get("/staff/tickets").get_data(as_text=True)))
    overdue = client.get("/staff/tickets?overdue=1").get_data(as_text=True)
    assert lift.number in overdue
    assert water.number not in overdue
    assert "h late" in overdue
    assert water.number in client.get("/staff/tickets?category=repair").get_data(as_text=True)
    assert lift.number not in client.get("/staff/tickets?category=health").get_data(as_text=True)
    building = person.household.building_id
    assert lift.number in client.get(f"/staff/tickets?building={building}").get_data(as_text=True)
    assert client.get("/staff/tickets?mine=1&status=bogus&page=-4").status_code == 200
    me = client.get(f"/staff/tickets/{lift.id}").get_data(as_text=True)
    staff_id = re.search(r'<option value="(\d+)">赵刚</option>', me).group(1)
    post(client, f"/staff/tickets/{lift.id}/assign", staff=staff_id)
    mine = client.get("/staff/tickets?mine=1").get_data(as_text=True)
    assert numbers_on(mine) == [lift.number]
    internal = session.scalar(
        select(TicketEvent).where(TicketEvent.request_id == lift.id).order_by(TicketEvent.id.desc())
    )
    assert internal.kind == "assigned"
    assert internal.public is False
    assert "Given to 赵刚" in client.get(f"/staff/tickets/{lift.id}").get_data(as_text=True)


def test_bulk_change_reports_what_could_not_move(client, auth, session, make_resident):
    client.set_cookie("linli_locale", "en")
    person = make_resident("周阿姨", age=70)
    first, second = new_ticket(session, person), new_ticket(session, person)
    auth.sign_in("worker")
    post(client, f"/staff/tickets/{second.id}/status", to="resolved")
    response = post(client, "/staff/tickets/bulk", ticket=[str(first.id), str(second.id)], to="accepted")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 tickets changed." in page
    assert f"{second.number}:" in page
    session.expire_all()
    assert first.status == Status.ACCEPTED
    assert second.status == Status.RESOLVED


def test_figures_page_has_svg_charts_with_tables_and_csv_has_no_personal_data(
    client, auth, session, make_resident
):
    client.set_cookie("linli_locale", "en")
    person = make_resident("吴奶奶", age=88)
    ticket = new_ticket(session, person)
    auth.sign_in("worker")
    page = client.get("/staff/desk").get_data(as_text=True)
    assert page.count('<svg class="chart" role="img"') == 2
    assert page.count("<table>") == 2
    assert "Median time to resolve" in page
    exported = client.get("/staff/tickets.csv?status=all&format=machine")
    assert exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["number", "service", "category"]
    assert ticket.number in {r[0] for r in rows[1:]}
    assert "吴奶奶" not in text
    assert person.household.label not in text


def test_new_tickets_are_announced_without_reload(client, auth, session, make_resident):
    auth.sign_in("property")
    before = client.get("/staff/tickets/newest")
    assert before.headers["Cache-Control"] == "no-store"
    ticket = new_ticket(session, make_resident("新来的", age=66))
    after = client.get("/staff/tickets/newest").get_json()["newest"]
    assert after == ticket.id
    assert after > before.get_json()["newest"]
    assert 'data-poll="/staff/tickets/newest"' in client.get("/staff/tickets").get_data(as_text=True)


def test_escalation_job_is_idempotent_and_reminds_once(app, session, make_resident, frozen):
    person = make_resident("郑爷爷", age=90)
    ticket = new_ticket(session, person)
    frozen.advance(hours=13)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["desk-jobs"])
    assert first.exit_code == 0, first.output
    assert "escalated" in first.output
    session.expire_all()
    escalated_at = ticket.escalated_at
    assert escalated_at is not None
    events = len(ticket.events)
    second = runner.invoke(args=["desk-jobs"])
    assert "escalated 0" in second.output
    session.expire_all()
    assert ticket.escalated_at == escalated_at
    assert len(ticket.events) == events


def test_catalog_editor_keeps_a_bad_question_list_and_saves_a_good_one(client, auth, session):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("worker")
    page = client.get("/staff/catalog/new")
    assert page.status_code == 200
    data = {
        "code": "Bad Code!",
        "name_zh_Hans": "理发",
        "name_zh_Hant": "理髮",
        "name_en": "",
        "category": "elderly_care",
        "handler": "provider",
        "provider_name": "",
        "eligibility": "aged_60",
        "deadline_hours": "48",
        "channel_kiosk": "1",
        "questions": '[{"id": "when", "type": "banana"}',
        "active": "1",
    }
    refused = post(client, "/staff/catalog/new", **data)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Use 1 to 32 small letters" in text
    assert "banana" in text  # what was typed is kept
    good = dict(
        data,
        code="haircut",
        name_en="A haircut at home",
        provider_name="阿芳理发",
        questions='[{"id": "when", "type": "date", "required": true, '
        '"label": {"zh_Hans": "哪天", "zh_Hant": "哪天", "en": "Which day"}}]',
    )
    unknown = post(client, "/staff/catalog/new", **good)  # a provider is a record, chosen, never typed anew
    assert unknown.status_code == 400
    assert "service providers (add it first)" in unknown.get_data(as_text=True)
    community = session.scalar(select(Community))
    add_provider(session, SYSTEM, None, community, ProviderDetails(name="阿芳理发", kind="other"))
    session.commit()
    saved = post(client, "/staff/catalog/new", **good)
    assert saved.status_code == 303
    created = service(session, "haircut")
    assert created.provider_name == "阿芳理发"
    assert created.provider.kind == ProviderKind.OTHER
    assert created.channels == ["kiosk"]


def test_slots_are_added_in_local_time_and_a_past_time_is_refused(client, auth, session, frozen):
    check = service(session, "health-check")
    auth.sign_in("worker")
    past = post(
        client,
        f"/staff/catalog/{check.id}/slots",
        day="2026-11-28",
        time="09:00",
        capacity="5",
        place="Room 1",
    )
    assert past.status_code == 400
    before = set(session.scalars(select(Slot.id).where(Slot.service_type_id == check.id)).all())
    ok = post(
        client,
        f"/staff/catalog/{check.id}/slots",
        day="2026-12-20",
        time="09:30",
        capacity="3",
        days="3",
        place="Room 1",
    )
    assert ok.status_code == 303
    slots = session.scalars(select(Slot).where(Slot.service_type_id == check.id)).all()
    added = [s for s in slots if s.id not in before]  # the demo's own times run up to two weeks past its day
    assert len(added) == 3
    newest = max(added, key=lambda s: s.starts_at)
    assert newest.starts_at.hour == 1  # 09:30 in Hangzhou is 01:30 UTC
    assert newest.starts_at.minute == 30


def test_kiosk_books_a_time_and_a_full_time_is_explained(kiosk_client, session, make_resident, frozen):
    person = make_resident("冯阿婆", age=79)
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    check = service(session, "health-check")
    slot = Slot(
        service_type_id=check.id,
        starts_at=clock.now() + timedelta(days=1),
        place="Room 2",
        capacity=1,
        booked=0,
    )
    session.add(slot)
    session.commit()
    client = kiosk_client
    client.set_cookie("linli_locale", "en")
    identify(client, issued.url("https://x"))
    day = slot.starts_at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    step = client.get(f"/kiosk/report/health-check/1?day={day}").get_data(as_text=True)
    assert f'value="{slot.id}"' in step
    assert "1 places left" in step
    token = csrf_token(client, "/kiosk/home")
    client.post("/kiosk/report/health-check/1", data={"csrf_token": token, "answer": str(slot.id)})
    slot.booked = 1  # someone else took the last place meanwhile
    session.commit()
    full = client.post("/kiosk/report/health-check/review", data={"csrf_token": token})
    assert full.status_code == 400
    assert "fully booked" in full.get_data(as_text=True)


def test_kiosk_my_requests_rating_and_news_banner(kiosk_client, session, make_resident, auth, app):
    person = make_resident("褚大妈", age=81)
    issued = issue_card(session, SYSTEM, person)
    ticket = new_ticket(session, person)
    from webapp.domain.desk.tickets import change_status

    change_status(session, Actor(type="staff", name="赵刚"), ticket, Status.RESOLVED, "Fixed the lift")
    session.commit()
    client = kiosk_client
    client.set_cookie("linli_locale", "en")
    identify(client, issued.url("https://x"))
    home = client.get("/kiosk/home").get_data(as_text=True)
    assert f"{ticket.number} is now: Done" in home
    assert f"{ticket.number} is now" not in client.get("/kiosk/home").get_data(as_text=True)  # shown once
    page = client.get(f"/kiosk/tickets/{ticket.number}").get_data(as_text=True)
    assert "Fixed the lift" in page
    assert "Very happy" in page
    token = csrf_token(client, "/kiosk/home")
    done = client.post(
        f"/kiosk/tickets/{ticket.number}", data={"csrf_token": token, "action": "rate", "stars": "5"}
    )
    assert done.status_code == 200
    session.expire_all()
    assert ticket.rating == 5
    seen = session.scalars(select(Notification).where(Notification.resident_id == person.id)).all()
    assert all(n.seen_at is not None for n in seen)
    other = make_resident("别家", age=60)
    theirs = new_ticket(session, other)
    assert client.get(f"/kiosk/tickets/{theirs.number}").status_code == 404


def test_queue_links_keep_only_the_filters(client, auth, session, make_resident):
    """Stray query keys (url_for's own `_scheme`, `_external`, or `format`) never reach the queue's links: the
    page and the bulk change answer with the queue, never a 500 or a link to another scheme or host."""
    client.set_cookie("linli_locale", "en")
    person = make_resident("孙奶奶", age=80)
    ticket = new_ticket(session, person)
    auth.sign_in("worker")
    for query in ("_scheme=javascript", "_external=1&_scheme=javascript", "format=x", "_anchor=x"):
        page = client.get(f"/staff/tickets?status=open&{query}")
        assert page.status_code == 200, query
        assert ticket.number in numbers_on(page.get_data(as_text=True))
        assert "javascript:" not in page.get_data(as_text=True)
        response = post(
            client, f"/staff/tickets/bulk?status=open&{query}", ticket=[str(ticket.id)], to="accepted"
        )
        assert response.status_code == 303, query
        assert response.headers["Location"] == "/staff/tickets?status=open", query


def test_every_status_list_pages_by_links_that_keep_the_filters(client, auth, monkeypatch):
    """A list of every status follows "Next page" / "Previous page" links carrying an id cursor (never a
    page number that would read the whole history up to it) and the filters the person chose."""
    from webapp.domain.desk import paging

    monkeypatch.setattr(paging, "PAGE", 2)
    client.set_cookie("linli_locale", "en")
    auth.sign_in("worker")
    first = client.get("/staff/tickets?status=all&category=repair").get_data(as_text=True)
    assert "newest first" in first
    older = re.search(r'href="([^"]*before=\d+[^"]*)">Next page', first).group(1).replace("&amp;", "&")
    assert "category=repair" in older
    assert "status=all" in older
    second = client.get(older).get_data(as_text=True)
    assert set(numbers_on(second)).isdisjoint(numbers_on(first))
    newer = re.search(r'href="([^"]*after=\d+[^"]*)">Previous page', second).group(1).replace("&amp;", "&")
    assert numbers_on(client.get(newer).get_data(as_text=True)) == numbers_on(first)
