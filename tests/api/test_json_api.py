"""The JSON API through the same core as the console: tickets (paging, updated_since, ETag, read, create,
status, public note), notices published, problem details for bad input, and no personal data."""

from __future__ import annotations

import re
import sys
from datetime import timedelta

from sqlalchemy import func, select

from tests.api.conftest import bearer
from webapp.api.routes import ROUTES
from webapp.infra import clock
from webapp.models import AuditEntry, Notice, Resident, Ticket

BASE = "/api/v1/communities/guihua"


def test_ticket_life_through_the_api(client, make_key, session):
    key = bearer(make_key(scopes=["tickets:read", "tickets:write"]))
    created = client.post(
        f"{BASE}/tickets",
        json={
            "service_code": "repair-light",
            "place": "5号楼电梯厅",
            "answers": {"where": "lift", "urgent": False},
        },
        headers=key,
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    number = body["ticket"]["number"]
    assert body["ticket"]["status"] == "submitted"
    assert body["ticket"]["place"] is None  # this key has no tickets:flats scope
    assert body["follow_token"]

    moved = client.post(f"{BASE}/tickets/{number}/status", json={"status": "accepted"}, headers=key)
    assert moved.get_json()["status"] == "accepted"
    noted = client.post(f"{BASE}/tickets/{number}/notes", json={"note": "师傅下午两点到"}, headers=key)
    assert noted.status_code == 201
    read = client.get(f"{BASE}/tickets/{number}", headers=key).get_json()
    assert [e["status"] for e in read["timeline"]][:2] == ["submitted", "accepted"]
    assert read["timeline"][-1]["note"] == "师傅下午两点到"

    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    assert [e.actor_type for e in ticket.events] == ["api_key", "api_key", "api_key"]

    refused = client.post(f"{BASE}/tickets/{number}/status", json={"status": "rejected"}, headers=key)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"] == {"status": "reason_required"}


def test_bad_input_is_a_problem_with_fields(client, make_key):
    key = bearer(make_key())
    answer = client.post(f"{BASE}/tickets", json={"service_code": "repair-light"}, headers=key)
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"place": "missing"}
    unknown = client.post(f"{BASE}/tickets", json={"service_code": "nope", "place": "x"}, headers=key)
    assert unknown.get_json()["errors"] == {"service_code": "unknown"}
    wrong = client.post(f"{BASE}/tickets", json={"service_code": "repair-light", "place": "x"}, headers=key)
    assert wrong.get_json()["errors"]["where"] == "required"
    method = client.delete(f"{BASE}/tickets", headers=key)
    assert method.status_code == 405
    assert method.mimetype == "application/problem+json"


def test_updated_since_paging_and_etag(client, make_key, session, demo_community):
    key = bearer(make_key(scopes=["tickets:read", "tickets:write"]))
    everything = client.get(f"{BASE}/tickets?per_page=200", headers=key).get_json()["items"]
    assert len(everything) == session.query(Ticket).filter_by(community_id=demo_community.id).count()
    stamps = [t["updated_at"] for t in everything]
    assert stamps == sorted(stamps)

    first = client.get(f"{BASE}/tickets?per_page=2", headers=key)
    assert first.get_json()["has_more"] is True
    second = client.get(f"{BASE}/tickets?per_page=2&page=2", headers=key).get_json()["items"]
    assert [t["number"] for t in second] == [t["number"] for t in everything[2:4]]
    assert (
        client.get(
            f"{BASE}/tickets?per_page=2", headers={**key, "If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )

    since = (clock.now() + timedelta(seconds=1)).isoformat()
    assert (
        client.get(f"{BASE}/tickets", query_string={"updated_since": since}, headers=key).get_json()["items"]
        == []
    )
    clock.freeze(clock.now() + timedelta(seconds=5))
    try:
        number = everything[0]["number"]
        client.post(f"{BASE}/tickets/{number}/notes", json={"note": "已联系物业"}, headers=key)
        changed = client.get(f"{BASE}/tickets", query_string={"updated_since": since}, headers=key).get_json()
    finally:
        clock.freeze(None)
    assert [t["number"] for t in changed["items"]] == [number]
    assert (
        client.get(
            f"{BASE}/tickets?per_page=2", headers={**key, "If-None-Match": first.headers["ETag"]}
        ).status_code
        == 200
    )


def test_no_names_or_phones_and_flats_only_with_scope(client, make_key, session):
    plain = client.get(f"{BASE}/tickets?per_page=200", headers=bearer(make_key(scopes=["tickets:read"])))
    text = plain.get_data(as_text=True)
    for resident in session.scalars(select(Resident)):
        assert resident.name not in text
    assert all(t["place"] is None and t["building"] is None for t in plain.get_json()["items"])
    flats = client.get(
        f"{BASE}/tickets?per_page=200", headers=bearer(make_key(scopes=["tickets:read", "tickets:flats"]))
    )
    assert any(t["building"] is not None or t["place"] is not None for t in flats.get_json()["items"])


def test_publish_a_notice(client, make_key, session):
    key = bearer(make_key(scopes=["notices:publish", "life:read"]))
    published = client.post(
        f"{BASE}/notices",
        json={
            "titles": {"zh_Hans": "明天停水"},
            "bodies": {"zh_Hans": "明天上午九点到十二点停水。"},
            "urgent": True,
        },
        headers=key,
    )
    assert published.status_code == 201, published.get_data(as_text=True)
    notice = session.get(Notice, published.get_json()["id"])
    assert notice.titles == {"zh_Hans": "明天停水"}
    assert notice.created_by_id is None
    listed = client.get(f"{BASE}/notices", headers=key).get_json()["items"]
    assert notice.id in [n["id"] for n in listed]
    empty = client.post(f"{BASE}/notices", json={"titles": {}, "bodies": {}}, headers=key)
    assert empty.status_code == 422
    # The document says so: zh_Hans is a required, not blank, member of titles and bodies.
    assert empty.get_json()["errors"] == {"titles.zh_Hans": "missing", "bodies.zh_Hans": "missing"}
    blank = client.post(
        f"{BASE}/notices", json={"titles": {"zh_Hans": " \u3000"}, "bodies": {"zh_Hans": "x"}}, headers=key
    )
    assert blank.get_json()["errors"] == {"titles.zh_Hans": "string_pattern_mismatch"}


def test_region_key_reaches_every_community_of_its_region(client, make_key, demo_community, session):
    key = bearer(make_key(scopes=["catalog:read"], region_id=demo_community.region_id))
    slugs = [c["slug"] for c in client.get("/api/v1/communities", headers=key).get_json()["items"]]
    assert "guihua" in slugs
    # Open311 needs the jurisdiction when a key reaches more than one community (here it may reach one).
    assert client.get("/open311/v2/services.json?jurisdiction_id=guihua", headers=key).status_code == 200


def test_an_archived_community_refuses_every_write_through_the_api(client, make_key, session, demo_community):
    """Archiving stops new activity for every caller: a key made before the archive may still read, but
    moves no ticket, adds no note and publishes no notice (409 in the problem shape, nothing written)."""
    key = bearer(make_key(scopes=["tickets:read", "tickets:write", "notices:publish", "life:read"]))
    ticket = session.scalar(select(Ticket).where(Ticket.community_id == demo_community.id).limit(1))
    before = (ticket.status, len(ticket.events), session.scalar(select(func.count(Notice.id))))
    demo_community.archived_at = clock.now()
    session.commit()
    number = ticket.number
    answers = [
        client.post(f"{BASE}/tickets/{number}/status", json={"status": "accepted"}, headers=key),
        client.post(f"{BASE}/tickets/{number}/notes", json={"note": "师傅下午两点到"}, headers=key),
        client.post(
            f"{BASE}/notices",
            json={"titles": {"zh_Hans": "停水"}, "bodies": {"zh_Hans": "停水"}},
            headers=key,
        ),
    ]
    assert [a.status_code for a in answers] == [409, 409, 409]
    assert {a.mimetype for a in answers} == {"application/problem+json"}
    assert client.get(f"{BASE}/tickets/{number}", headers=key).status_code == 200  # still readable
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    assert (ticket.status, len(ticket.events), session.scalar(select(func.count(Notice.id)))) == before


ENGLISH = {"Accept-Language": "en"}


def test_times_beyond_the_calendar_or_as_bare_numbers_are_refused_in_words(client, make_key, session):
    """0001-01-01T00:00:00+14:00 is in the year 0 in UTC and 9999-12-31T23:59:59-14:00 in the year 10000: no
    stored time compares with them (they were a 500). A bare number is not read as Unix seconds."""
    key = {**bearer(make_key()), **ENGLISH}
    for since, code in (
        ("0001-01-01T00:00:00+14:00", "date_time_range"),
        ("9999-12-31T23:59:59-14:00", "date_time_range"),
        ("1764921600", "date_time_format"),
    ):
        refused = client.get(f"{BASE}/tickets", query_string={"updated_since": since}, headers=key)
        assert refused.status_code == 422, since
        assert refused.mimetype == "application/problem+json"
        assert refused.get_json()["title"] == "Some of the input is not right"
        assert refused.get_json()["errors"] == {"updated_since": code}
    notices = session.scalar(select(func.count(Notice.id)))
    refused = client.post(
        f"{BASE}/notices",
        json={
            "titles": {"zh_Hans": "停水"},
            "bodies": {"zh_Hans": "停水"},
            "starts_at": "0001-01-01T00:00:00+14:00",
            "ends_at": "9999-12-31T23:59:59-14:00",
        },
        headers=key,
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"starts_at": "date_time_range", "ends_at": "date_time_range"}
    assert session.scalar(select(func.count(Notice.id))) == notices
    # The same times within the calendar are answered.
    fine = client.get(
        f"{BASE}/tickets", query_string={"updated_since": "0001-01-02T00:00:00+14:00"}, headers=key
    )
    assert fine.status_code == 200
    assert fine.get_json()["items"]


def test_a_slot_answer_that_names_no_slot_is_refused_in_words(client, make_key, session):
    """The core refuses an answer that names no slot ("²" is a digit to str.isdigit, 99999999999999999999
    fits no id column): a 422 naming the field, worded, and no ticket filed."""
    key = {**bearer(make_key()), **ENGLISH}
    tickets = session.scalar(select(func.count(Ticket.id)))
    for slot in (99999999999999999999, "99999999999999999999", "²"):
        refused = client.post(
            f"{BASE}/tickets",
            json={"service_code": "health-check", "place": "社区卫生站", "answers": {"slot": slot}},
            headers=key,
        )
        assert refused.status_code == 422, refused.get_data(as_text=True)
        assert refused.mimetype == "application/problem+json"
        assert refused.get_json()["errors"] == {"slot": "no_slot"}
        assert refused.get_json()["detail"] == "slot: Please choose one of the times shown."
    assert session.scalar(select(func.count(Ticket.id))) == tickets


def test_every_write_is_audited_as_the_key(client, make_key, session):
    """Create, status, note and notice publish: each an `api.write` entry naming the key (not a person) and
    the route, in the community the address names."""
    key = bearer(make_key(scopes=["tickets:read", "tickets:write", "notices:publish"]))
    last = session.scalar(select(func.max(AuditEntry.id))) or 0
    created = client.post(
        f"{BASE}/tickets",
        json={
            "service_code": "repair-light",
            "place": "2号楼门厅",
            "answers": {"where": "stairs", "urgent": False},
        },
        headers=key,
    )
    number = created.get_json()["ticket"]["number"]
    moved = client.post(f"{BASE}/tickets/{number}/status", json={"status": "accepted"}, headers=key)
    noted = client.post(f"{BASE}/tickets/{number}/notes", json={"note": "明早处理"}, headers=key)
    published = client.post(
        f"{BASE}/notices",
        json={"titles": {"zh_Hans": "通知"}, "bodies": {"zh_Hans": "明早检修"}},
        headers=key,
    )
    refused = client.post(f"{BASE}/tickets/{number}/status", json={"status": "closed"}, headers=key)
    assert [a.status_code for a in (created, moved, noted, published, refused)] == [201, 200, 201, 201, 422]
    client.get(f"{BASE}/tickets/{number}", headers=key)  # a read is not a write

    session.expire_all()
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.id > last, AuditEntry.action == "api.write")
        .order_by(AuditEntry.id)
    ).all()
    assert [e.detail for e in entries] == [
        {"endpoint": "api.ticket_create"},
        {"endpoint": "api.ticket_status"},
        {"endpoint": "api.ticket_note"},
        {"endpoint": "api.notice_publish"},
    ]  # the refused change was rolled back with its audit entry
    assert {(e.actor_type, e.actor_name) for e in entries} == {("api_key", "test key")}
    demo = session.scalar(select(Ticket.community_id).where(Ticket.number == number))
    assert {e.community_id for e in entries} == {demo}


def test_the_docs_page_names_each_operations_own_scope(client):
    """A GET and a POST of one address ask for different scopes (tickets:read, tickets:write): the page said
    the POST's for both."""
    page = client.get("/api/docs").get_data(as_text=True)
    shown = dict(re.findall(r"<code>(\w+ /api/v1[^<]*)</code></h3>.*?<dd><code>([^<]*)</code>", page, re.S))
    wanted = {
        f"{r.method} /api/v1{r.rule.replace('<', '{').replace('>', '}')}": r.scope.value for r in ROUTES
    }
    assert shown == wanted


def test_the_docs_page_speaks_the_readers_language_for_every_operation(client):
    """Its words were the views' English docstrings in every language. Each operation has words of its own
    (WORDS), translated; their English is the OpenAPI document's (under `python -OO`, as the service runs, the
    docstrings are gone) and each view's docstring says the same, so the two never drift apart."""
    import importlib
    import inspect

    from webapp.api.docs import WORDS

    document = client.get("/api/openapi.json").get_json()
    operations = {
        (method.upper(), path): op
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    }
    assert set(WORDS) == set(operations)  # a new operation needs its words on the page
    with client.application.test_request_context(headers={"Accept-Language": "en"}):
        for key, (summary, description) in WORDS.items():
            assert str(summary) == operations[key]["summary"], key
            assert (str(description) if description else "") == operations[key].get("description", ""), key
        for route in ROUTES if sys.flags.optimize < 2 else ():  # under -OO there is no docstring to compare
            view = getattr(importlib.import_module(f"webapp.api.{route.module}"), route.view)
            key = (route.method, "/api/v1" + route.rule.replace("<", "{").replace(">", "}"))
            summary, description = WORDS[key]
            said = inspect.getdoc(view) or ""
            assert said.split("\n\n")[0].replace("\n", " ") == str(summary), key
            assert said.partition("\n\n")[2].replace("\n", " ") == (
                str(description) if description else ""
            ), key
    for locale, marker in (("zh_Hans", "这把钥匙"), ("zh_Hant", "這把鑰匙")):
        client.set_cookie("linli_locale", locale)
        page = client.get("/api/docs").get_data(as_text=True)
        assert marker in page, locale
        assert not [str(s) for s, _d in WORDS.values() if str(s) in page], locale  # no English left
