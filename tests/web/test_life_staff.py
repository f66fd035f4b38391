"""Community life in the console: notices with the "not read" list (permission, audit), the directory form,
events (sign-up list, check-in by card scan), and the time bank (approvals, statements)."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from tests.conftest import csrf_token, refused_in_words
from webapp.domain.identity.cards import issue_card
from webapp.domain.life import events, timebank, volunteering
from webapp.domain.life.directory import linked_services
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra import clock
from webapp.models import (
    AuditEntry,
    ClaimStatus,
    Community,
    Event,
    EventKind,
    HourClaim,
    LocalService,
    Notice,
    Region,
    Role,
)


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/staff/"), **data})


@pytest.fixture
def worker(auth, client):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("worker")
    return client


def notice_form(**extra):
    form = {
        "title_zh_Hans": "停水",
        "title_en": "Water cut Chi",
        "summary_en": "No water tomorrow",
        "body_zh_Hans": "明天停水",
        "urgent": "1",
        "starts": (clock.now() - timedelta(hours=1))
        .astimezone(ZoneInfo("Asia/Shanghai"))
        .strftime("%Y-%m-%dT%H:%M"),
    }
    form.update(extra)
    return form


def test_write_a_notice_keeping_what_was_typed_on_errors(worker, session, demo_community, frozen):
    bad = post(worker, "/staff/notices/new", **notice_form(title_zh_Hans="", ends="tomorrow-ish"))
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert "Please fill this in." in page
    assert "Please give a date and a time." in page
    assert 'value="Water cut Chi"' in page
    building = demo_community.buildings[1]
    good = post(worker, "/staff/notices/new", **notice_form(buildings=str(building.id), groups="aged_80"))
    assert good.status_code == 303
    made = session.scalar(select(Notice).where(Notice.titles["en"].as_string() == "Water cut Chi"))
    assert (made.urgent, made.building_ids, made.groups) == (True, [building.id], ["aged_80"])
    assert "Water cut Chi" in worker.get("/staff/notices").get_data(as_text=True)


def test_not_read_list_is_audited_and_needs_the_register(
    worker, auth, client, session, demo_community, frozen
):
    assert post(worker, "/staff/notices/new", **notice_form()).status_code == 303
    made = session.scalar(select(Notice).where(Notice.titles["en"].as_string() == "Water cut Chi"))
    listing = worker.get(f"/staff/notices/{made.id}/not-read")
    assert listing.status_code == 200
    assert listing.headers["Cache-Control"] == "no-store"
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "notice.not_read_list", AuditEntry.subject_id == made.id
        )
    )
    assert entry is not None
    assert "Who has not read it" in worker.get("/staff/notices").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in("property")  # may post notices, may not see the register
    assert client.get("/staff/notices").status_code == 200
    assert client.get(f"/staff/notices/{made.id}/not-read").status_code == 403
    auth.sign_out()
    auth.sign_in("volunteer")
    assert client.get("/staff/notices").status_code == 403


def test_staff_of_another_community_get_404(client, auth, session, make_staff, frozen):
    other = Community(slug="far-away", region=session.scalar(select(Region)), names={"zh_Hans": "远方"})
    session.add(other)
    session.commit()
    make_staff("faraway", Role.COMMUNITY_WORKER, other)
    auth.sign_in("faraway")
    notice = session.scalar(select(Notice))
    entry = session.scalar(select(LocalService))
    event = session.scalar(select(Event))
    for url in (
        f"/staff/notices/{notice.id}",
        f"/staff/notices/{notice.id}/not-read",
        f"/staff/directory/{entry.id}",
        f"/staff/events/{event.id}",
        f"/staff/events/{event.id}/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/staff/events/99999999999").status_code == 404
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "access.denied")) is not None


def test_directory_form_bad_hours_keep_the_rest(worker, session):
    form = {
        "kind": "pharmacy",
        "name_zh_Hans": "夜间药房",
        "name_en": "Night Pharmacy Psi",
        "address": "古墩路 1 号",
        "phone": "0571-1234-5678",
        "hours_0": "20:00-08:00",
        "hours_1": "from eight",
        "accepts_hours": "1",
        "active": "1",
    }
    bad = post(worker, "/staff/directory/new", **form)
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert "Please write times like 08:00-11:30" in page
    assert 'value="20:00-08:00"' in page
    assert 'value="from eight"' in page
    good = post(worker, "/staff/directory/new", **{**form, "hours_1": "20:00-08:00"})
    assert good.status_code == 303
    saved = session.scalar(select(LocalService).where(LocalService.address == "古墩路 1 号"))
    assert saved.hours[:2] == [[["20:00", "08:00"]]] * 2
    assert saved.hours[2] == []
    assert saved.accepts_hours


def test_a_provider_linked_to_its_services_and_flagged_for_older_and_disabled_residents(worker, app, session):
    """Staff link a directory entry to the services desk's provider; residents see its services there, and the
    elderly filter and the accessibility line follow the ticks."""
    form = {
        "kind": "clinic",
        "name_zh_Hans": "社区卫生服务站",
        "name_en": "Health Station Omega",
        "address": "翠苑路 8 号",
        "phone": "0571-8888-1234",
        "provider_name": "翠苑社区卫生服务站",  # the demo's provider of the health services
        "serves_elderly": "1",
        "serves_disabled": "1",
        "active": "1",
    }
    unknown = post(worker, "/staff/directory/new", **{**form, "provider_name": "No Such Provider"})
    assert unknown.status_code == 400
    assert "Health Station Omega" in unknown.get_data(as_text=True)  # what was typed is kept
    assert "Please choose one of the answers shown." in unknown.get_data(as_text=True)
    assert post(worker, "/staff/directory/new", **form).status_code == 303
    entry = session.scalar(select(LocalService).where(LocalService.address == "翠苑路 8 号"))
    assert (entry.provider_name, entry.serves_elderly, entry.serves_disabled) == (
        "翠苑社区卫生服务站",
        True,
        True,
    )
    linked = {s.code for s in linked_services(session, entry)}
    assert {"health-check", "health-doctor"} <= linked
    resident = app.test_client()
    page = resident.get(f"/directory/{entry.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "A health check" in page
    assert "Accessible for people with a disability" in page
    older = resident.get("/directory?elderly=1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Health Station Omega" in older
    plain = session.scalar(
        select(LocalService).where(LocalService.serves_elderly.is_(False)).order_by(LocalService.id).limit(1)
    )
    assert plain is not None
    everyone = resident.get("/directory", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert str(escape(plain.name("en"))) in everyone
    assert str(escape(plain.name("en"))) not in older
    post(worker, f"/staff/directory/{entry.id}", **{**form, "serves_elderly": "", "provider_name": ""})
    session.expire_all()
    assert linked_services(session, entry) == []
    older = resident.get("/directory?elderly=1", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Health Station Omega" not in older


def test_event_sign_up_list_check_in_by_scan_and_helper_hours(
    worker, session, demo_community, make_resident, frozen
):
    event = Event(
        community_id=demo_community.id,
        kind=EventKind.CLASS,
        titles={"zh_Hans": "手机课", "en": "Phone class Omicron"},
        place="活动室",
        starts_at=clock.now() + timedelta(minutes=30),
        ends_at=clock.now() + timedelta(hours=2),
        capacity=10,
    )
    session.add(event)
    person = make_resident("上课的人", age=75)
    events.signup(session, SYSTEM, event, person, "phone")
    issued = issue_card(session, SYSTEM, person)
    helper = make_resident("志愿者", age=40)
    timebank.open_account(session, SYSTEM, helper)
    session.commit()
    page = worker.get(f"/staff/events/{event.id}")
    assert "上课的人" in page.get_data(as_text=True)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "event.list_view")) is not None
    unknown = post(worker, f"/staff/events/{event.id}/check-in", scan="not a card")
    assert unknown.status_code == 400
    assert "This card is not known here." in unknown.get_data(as_text=True)
    scanned = post(worker, f"/staff/events/{event.id}/check-in", scan=issued.url("https://linli.example"))
    assert scanned.status_code == 303
    signup = events.signups_of(session, person.id, [event.id])[event.id]
    session.refresh(signup)
    assert signup.checked_in_at is not None
    assert (
        post(worker, f"/staff/events/{event.id}/helper-hours", resident=str(helper.id), hours="2").status_code
        == 303
    )
    claim = next(
        c for c in volunteering.pending_claims(session, frozenset({demo_community.id})) if c.event_id
    )
    assert (claim.resident_id, claim.half_hours, claim.event_id) == (helper.id, 4, event.id)


def test_new_event_form_errors(worker):
    bad = post(
        worker,
        "/staff/events/new",
        kind="party",
        title_zh_Hans="",
        place="",
        starts="soon",
        minutes="5",
        capacity="0",
    )
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    for message in (
        "Please fill this in.",
        "Please give a date and a time.",
        "between 10 minutes",
        "between 1 and 2000",
    ):
        assert message in page


def test_time_bank_approve_record_and_statement(worker, session, make_resident, demo_community):
    volunteer = make_resident("新志愿者", age=45)
    claim = volunteering.claim(session, SYSTEM, volunteer, "help_given", 3, clock.now().date())
    session.commit()
    assert "新志愿者" in worker.get("/staff/timebank").get_data(as_text=True)
    assert post(worker, f"/staff/timebank/claims/{claim.id}", decision="approve").status_code == 303
    session.refresh(claim)
    assert claim.status == ClaimStatus.APPROVED
    again = post(worker, f"/staff/timebank/claims/{claim.id}", decision="approve")
    assert again.status_code == 303  # told "already decided", nothing posted twice
    other = volunteering.claim(session, SYSTEM, volunteer, "help_given", 2, clock.now().date())
    session.commit()
    assert post(worker, f"/staff/timebank/claims/{other.id}", decision="maybe").status_code == 303
    session.refresh(other)
    assert other.status == ClaimStatus.PENDING  # an unknown decision decides nothing
    assert post(worker, f"/staff/timebank/claims/{other.id}", decision="reject").status_code == 303
    session.refresh(other)
    assert other.status == ClaimStatus.REJECTED
    account = timebank.account_of(session, volunteer.id)
    welcome = timebank.welcome_half_hours(session, demo_community.id)
    assert timebank.balance(session, account.id) == welcome + 3
    recorded = post(
        worker,
        f"/staff/timebank/accounts/{account.id}/hours",
        kind="session_led",
        hours="1",
        day=(clock.now() - timedelta(days=2)).date().isoformat(),
    )
    assert recorded.status_code == 303
    overdraw = post(
        worker,
        f"/staff/timebank/accounts/{account.id}/spend",
        service=str(_canteen(session).id),
        spend_hours="99",
    )
    assert overdraw.status_code == 400
    assert "not enough hours" in overdraw.get_data(as_text=True)
    statement = worker.get(f"/staff/timebank/accounts/{account.id}")
    assert "Hours earned" in statement.get_data(as_text=True)
    assert (
        session.scalar(select(AuditEntry).where(AuditEntry.action == "time_bank.statement_view")) is not None
    )
    assert worker.get(f"/staff/timebank/accounts/{account.id}?month=garbage").status_code == 200


def _canteen(session):
    return session.scalar(select(LocalService).where(LocalService.accepts_hours.is_(True)))


def test_opening_an_account_and_setting_the_welcome_credit(worker, session, make_resident, demo_community):
    person = make_resident("想当志愿者", age=33)
    found = worker.get("/staff/timebank?q=想当").get_data(as_text=True)
    assert "想当志愿者" in found
    assert (
        post(worker, "/staff/timebank/welcome", community=str(demo_community.id), hours="3").status_code
        == 303
    )
    assert timebank.welcome_half_hours(session, demo_community.id) == 6
    assert (
        post(worker, "/staff/timebank/welcome", community=str(demo_community.id), hours="lots").status_code
        == 303
    )
    assert timebank.welcome_half_hours(session, demo_community.id) == 6
    assert post(worker, "/staff/timebank/open", resident=str(person.id)).status_code == 303
    assert timebank.balance(session, timebank.account_of(session, person.id).id) == 6


LIFE_ENDPOINTS = ("staff.notice", "staff.directory", "staff.event", "staff.timebank")


def test_every_life_object_route_refuses_other_communities_and_is_audited(
    app, client, auth, session, make_staff, demo_community
):
    """As tests/web/test_isolation.py does for the rest of the console, with the ids these routes need."""
    import re

    from sqlalchemy import func

    from webapp.models import HourClaim, NoticeTemplate, TimeAccount, TimeAccountKind

    other = Community(slug="plum", region=session.scalar(select(Region)), names={"zh_Hans": "梅花"})
    session.add(other)
    session.commit()
    make_staff("plum-admin", Role.ADMIN, other)  # an administrator, but of another community
    auth.sign_in("plum-admin")
    ids = {
        "notice_id": session.scalar(select(Notice.id).where(Notice.community_id == demo_community.id)),
        "entry_id": session.scalar(
            select(LocalService.id).where(LocalService.community_id == demo_community.id)
        ),
        "event_id": session.scalar(select(Event.id).where(Event.community_id == demo_community.id)),
        "account_id": session.scalar(
            select(TimeAccount.id).where(
                TimeAccount.community_id == demo_community.id, TimeAccount.kind == TimeAccountKind.PERSON
            )
        ),
        "claim_id": session.scalar(select(HourClaim.id).where(HourClaim.community_id == demo_community.id)),
        "template_id": session.scalar(
            select(NoticeTemplate.id).where(NoticeTemplate.community_id == demo_community.id)
        ),
    }
    rules = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.redirect_to is None and rule.endpoint.startswith(LIFE_ENDPOINTS) and rule.arguments
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]
    assert len(rules) >= 14
    token = csrf_token(client, "/staff/")
    for rule, method in rules:
        url = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        before = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "access.denied"))
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        assert response.status_code == 404, (
            f"{method} {url} answered {response.status_code}"
        )  # not found there
        session.expire_all()
        after = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "access.denied"))
        assert after == before + 1, f"{method} {url} was not audited"


FIELDS = st.text(max_size=60) | st.sampled_from(
    ["", "0", "-1", "1.5", "25:00-26:00", "2026-02-30T10:00", "0001-01-01T00:00"]
)


def console_rows(session) -> tuple[int, ...]:
    """Rows the console's forms below write: notices, directory entries, events, hours claimed."""
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(t)) for t in (Notice, LocalService, Event, HourClaim)
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.fixed_dictionaries(
        {},
        optional={
            name: FIELDS
            for name in (
                "title_zh_Hans",
                "body_zh_Hans",
                "starts",
                "ends",
                "buildings",
                "groups",
                "kind",
                "name_zh_Hans",
                "address",
                "phone",
                "hours_0",
                "closed_dates",
                "place",
                "minutes",
                "capacity",
                "hours",
                "day",
                "spend_hours",
                "service",
            )
        },
    )
)
def test_any_console_input_gets_a_page_or_a_message_never_a_500(worker, session, values):
    before = console_rows(session)
    saved = post(worker, "/staff/notices/new", **notice_form())  # the control: a well-formed one is saved
    assert saved.status_code == 303, saved.status_code
    assert re.fullmatch(r"/staff/notices/\d+", saved.headers["Location"]), saved.headers["Location"]
    assert console_rows(session)[0] == before[0] + 1
    for url, table in (
        ("/staff/notices/new", 0),
        ("/staff/directory/new", 1),
        ("/staff/events/new", 2),
        ("/staff/timebank/accounts/1/hours", 3),
    ):
        before = console_rows(session)
        response = post(worker, url, **values)
        after = console_rows(session)
        if response.status_code == 303:  # saved: one row more of this form's kind
            assert after[table] == before[table] + 1, url
        else:
            assert after == before, (url, response.status_code)
            if response.status_code == 404:
                assert "/timebank/accounts/" in url
            else:
                assert response.status_code == 400, (url, response.status_code)
                assert refused_in_words(response), url
