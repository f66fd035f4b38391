"""Open311 GeoReport v2: the standard's example requests answered in JSON and XML (parsed by a standard XML
parser), errors as a list of {code, description}, and the round trip: a request POSTed with a key, read back,
its status changed by a worker in the staff console, read again."""

from __future__ import annotations

from datetime import UTC, timedelta
from xml.etree import ElementTree as ET

from sqlalchemy import func, select

from tests.api.conftest import bearer
from tests.conftest import csrf_token
from webapp.infra import clock
from webapp.models import AuditEntry, Ticket

ENGLISH = {"Accept-Language": "en"}


def xml(response) -> ET.Element:
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.get_data())  # noqa: S314 (our own answer, in a test)


def test_standard_example_requests_in_both_formats(client, make_key):
    key = bearer(make_key())
    discovery = client.get("/open311/v2/discovery.xml", headers=key)
    endpoint = xml(discovery).find("endpoints/endpoint")  # the standard's element names
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["application/json", "text/xml"]

    services = client.get("/open311/v2/services.json?jurisdiction_id=guihua", headers=key).get_json()
    codes = [s["service_code"] for s in services]
    assert "repair-light" in codes
    root = xml(client.get("/open311/v2/services.xml?jurisdiction_id=guihua", headers=key))
    assert [s.findtext("service_code") for s in root.findall("service")] == codes

    definition = client.get("/open311/v2/services/repair-light.json?locale=en", headers=key).get_json()
    where = next(a for a in definition["attributes"] if a["code"] == "where")
    assert where["datatype"] == "singlevaluelist"
    assert where["required"] is True
    assert {"key": "stairs", "name": "Stairway or corridor"} in where["values"]
    root = xml(client.get("/open311/v2/services/repair-light.xml", headers=key))
    assert root.find("attributes/attribute/values/value/key") is not None

    listed = client.get(
        "/open311/v2/requests.json?status=open&service_code=repair-light", headers=key
    ).get_json()
    assert listed
    assert {r["status"] for r in listed} == {"open"}
    assert {r["service_code"] for r in listed} == {"repair-light"}
    root = xml(client.get("/open311/v2/requests.xml?status=closed", headers=key))
    assert {r.findtext("status") for r in root.findall("request")} <= {"closed"}
    one = listed[0]["service_request_id"]
    root = xml(client.get(f"/open311/v2/requests/{one}.xml", headers=key))
    assert root.find("request/service_request_id").text == one


def test_no_personal_data_leaves(client, make_key, session):
    listed = client.get("/open311/v2/requests.json", headers=bearer(make_key(scopes=["tickets:read"])))
    body = listed.get_data(as_text=True)
    names = session.scalars(select(Ticket.resident_id)).all()
    assert names  # the demo has residents' tickets
    from webapp.models import Resident

    for resident in session.scalars(select(Resident)):
        assert resident.name not in body
    assert all(r["address"] is None for r in listed.get_json())


def test_errors_are_lists_of_code_and_description(client, make_key):
    key = bearer(make_key())
    missing = client.get("/open311/v2/services/no-such-service.json", headers=key)
    assert missing.status_code == 404
    assert set(missing.get_json()[0]) == {"code", "description"}
    bad = client.get("/open311/v2/requests.xml?start_date=yesterday", headers=key)
    assert bad.status_code == 400
    assert xml(bad).find("error/code").text == "400"
    unknown = client.get("/open311/v2/nothing.json", headers=key)
    assert unknown.status_code == 404
    assert unknown.get_json()[0]["code"] == 404


def test_a_missing_or_unknown_key_is_the_standards_403(client, make_key):
    """GeoReport v2 names one answer for a key it does not accept: "403 - Invalid api_key" (the JSON API
    answers 401 with WWW-Authenticate, as HTTP authentication does)."""
    for query in ("", "&api_key=linli_not-a-real-key"):
        answer = client.get(f"/open311/v2/requests.json?jurisdiction_id=x{query}")
        assert answer.status_code == 403, (query, answer.status_code)
        assert answer.get_json()[0]["code"] == 403
    written = client.post("/open311/v2/requests.xml", data={"api_key": "linli_nope", "service_code": "x"})
    assert written.status_code == 403
    assert xml(written).find("error/code").text == "403"
    assert client.get("/api/v1/communities").status_code == 401  # the JSON API keeps HTTP's own answer


def test_round_trip_post_get_console_change_get(client, make_key, auth, session):
    key = make_key(scopes=["tickets:read", "tickets:write", "tickets:flats"])
    posted = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": "guihua",
            "service_code": "repair-light",
            "address_string": "3号楼二单元楼道",
            "attribute[where]": "stairs",
            "attribute[urgent]": "no",
            "description": "楼道灯不亮，请联系 13812345678",
        },
    )
    assert posted.status_code == 201, posted.get_data(as_text=True)
    number, token = posted.get_json()[0]["service_request_id"], posted.get_json()[0]["token"]

    read = client.get(f"/open311/v2/requests/{number}.json", headers=bearer(key)).get_json()[0]
    assert read["status"] == "open"
    assert read["address"] == "3号楼二单元楼道"  # this key may see the place
    assert "13812345678" not in str(read)  # the number typed in the description is masked
    assert (
        client.get(f"/open311/v2/tokens/{token}.json", headers=bearer(key)).get_json()[0][
            "service_request_id"
        ]
        == number
    )

    # Filed by the key: the timeline and the audit trail name it.
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.resident_id is None
    assert ticket.events[0].actor_type == "api_key"
    assert ticket.channel == "api"

    staff = client.application.test_client()
    from tests.conftest import Auth

    Auth(staff).sign_in("worker")
    token_field = csrf_token(staff, f"/staff/tickets/{ticket.id}")
    done = staff.post(
        f"/staff/tickets/{ticket.id}/status",
        data={"csrf_token": token_field, "to": "resolved", "note": "已换灯泡"},
    )
    assert done.status_code == 303, done.status_code

    again = client.get(f"/open311/v2/requests/{number}.xml", headers=bearer(key))
    request = xml(again).find("request")
    assert request.findtext("status") == "closed"
    assert request.findtext("status_notes") == "已换灯泡"


def test_writes_are_audited_as_the_key(client, make_key, session):
    key = make_key(scopes=["tickets:write", "catalog:read"])
    client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "repair-light",
            "address_string": "东门",
            "attribute[where]": "outside",
            "attribute[urgent]": "no",
        },
    )
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "api.write").order_by(AuditEntry.id.desc())
    )
    assert entry.actor_type == "api_key"
    assert entry.actor_name == "test key"
    assert entry.detail == {"endpoint": "open311.request_create"}
    ticket = session.scalar(select(Ticket).order_by(Ticket.id.desc()))
    assert ticket.place == "东门"
    assert ticket.events[0].actor_type == "api_key"


def test_the_standards_example_requests_replayed(client, make_key, session):
    """The requests of the GeoReport v2 wiki, in its order and in XML (its required format), with our
    jurisdiction and service codes: discovery, services, a service definition, the example POST (lat and
    long, no address_string; name, email, phone and device given), its token, requests in a start_date /
    end_date window, requests by a list of ids, and one request."""
    key = make_key()
    j = "jurisdiction_id=guihua"

    discovery = xml(client.get(f"/open311/v2/discovery.xml?api_key={key}"))
    assert discovery.tag == "discovery"
    for field in ("changeset", "contact", "key_service"):
        assert discovery.findtext(field)
    endpoint = discovery.find("endpoints/endpoint")
    assert endpoint.findtext("url").endswith("/open311/v2/")
    assert endpoint.findtext("type") == "production"
    assert "text/xml" in [f.text for f in endpoint.findall("formats/format")]

    services = xml(client.get(f"/open311/v2/services.xml?{j}&api_key={key}"))
    light = next(s for s in services.findall("service") if s.findtext("service_code") == "repair-light")
    assert [c.tag for c in light] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert light.findtext("metadata") == "true"

    definition = xml(client.get(f"/open311/v2/services/repair-light.xml?{j}&api_key={key}"))
    assert definition.findtext("service_code") == "repair-light"
    attributes = {a.findtext("code"): a for a in definition.findall("attributes/attribute")}
    assert attributes["where"].findtext("datatype") == "singlevaluelist"
    assert "outside" in [v.findtext("key") for v in attributes["where"].findall("values/value")]

    before = clock.now()
    posted = client.post(
        "/open311/v2/requests.xml",
        data={
            "api_key": key,
            "jurisdiction_id": "guihua",
            "service_code": "repair-light",
            "lat": "37.76524078",
            "long": "-122.4212043",
            "email": "smit333@sfgov.edu",
            "device_id": "tt222111",
            "account_id": "123456",
            "first_name": "john",
            "last_name": "smith",
            "phone": "111111111",
            "description": "A large sinkhole is destroying the street",
            "media_url": "http://www.city.gov/media/123456.jpg",
            "attribute[where]": "outside",
            "attribute[urgent]": "no",
        },
    )
    assert posted.status_code == 201, posted.get_data(as_text=True)
    made = xml(posted).find("request")
    number, token = made.findtext("service_request_id"), made.findtext("token")
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.place == "37.7652408,-122.4212043"  # where it is, as the office reads it
    assert ticket.resident_id is None
    kept = repr((ticket.answers, ticket.place, [e.note for e in ticket.events], ticket.contact_last4))
    for personal in ("smit333", "john", "smith", "111111111", "tt222111", "123456.jpg"):
        assert personal not in kept  # the standard's personal fields are not kept
    assert "A large sinkhole is destroying the street" in kept

    by_token = xml(client.get(f"/open311/v2/tokens/{token}.xml?{j}&api_key={key}")).find("request")
    assert (by_token.findtext("service_request_id"), by_token.findtext("token")) == (number, token)

    def window(start, end, status="open"):
        stamps = f"start_date={start:%Y-%m-%dT%H:%M:%SZ}&end_date={end:%Y-%m-%dT%H:%M:%SZ}"
        answer = client.get(f"/open311/v2/requests.xml?{j}&{stamps}&status={status}&api_key={key}")
        return [r.findtext("service_request_id") for r in xml(answer).findall("request")]

    now = before.astimezone(UTC)
    assert number in window(now - timedelta(days=1), now + timedelta(days=1))
    assert number not in window(now - timedelta(days=1), now + timedelta(days=1), status="closed")
    assert window(now - timedelta(days=400), now - timedelta(days=370)) == []  # the wiki's is a month long

    demo = session.scalars(select(Ticket.number).where(Ticket.number != number).limit(2)).all()
    wanted = ",".join([number, *demo])
    listed = xml(client.get(f"/open311/v2/requests.xml?{j}&service_request_id={wanted}&api_key={key}"))
    assert sorted(r.findtext("service_request_id") for r in listed.findall("request")) == sorted(
        [number, *demo]
    )

    one = xml(client.get(f"/open311/v2/requests/{number}.xml?{j}&api_key={key}")).findall("request")
    assert len(one) == 1
    assert one[0].findtext("status") == "open"
    assert one[0].findtext("service_code") == "repair-light"
    assert one[0].findtext("requested_datetime")


def test_a_request_without_a_location_is_refused_in_the_standards_words(client, make_key, session):
    key = make_key()
    tickets = session.scalar(select(func.count(Ticket.id)))
    base = {
        "api_key": key,
        "jurisdiction_id": "guihua",
        "service_code": "repair-light",
        "attribute[where]": "outside",
        "attribute[urgent]": "no",
    }
    for where in (
        {},
        {"address_id": "12345"},
        {"lat": "37.7"},
        {"lat": "91", "long": "0"},
        {"lat": "x", "long": "y"},
    ):
        refused = client.post("/open311/v2/requests.xml", data={**base, **where}, headers=ENGLISH)
        assert refused.status_code == 400, where
        description = xml(refused).findtext("error/description")
        assert "lat" in description
        assert "long" in description
    unknown = client.post(
        "/open311/v2/requests.json", data={**base, "service_code": "nope", "lat": "1", "long": "2"}
    )
    assert unknown.status_code == 404
    assert session.scalar(select(func.count(Ticket.id))) == tickets


def test_times_beyond_the_calendar_and_slots_that_are_no_slot_are_400s_in_words(client, make_key, session):
    """Both were 500s: a start or end time with no UTC value (the year 0 or 10000), a slot answer that is
    no number the database can compare."""
    key = {**bearer(make_key()), **ENGLISH}
    for name in ("start_date", "end_date"):
        for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
            refused = client.get("/open311/v2/requests.json", query_string={name: moment}, headers=key)
            assert refused.status_code == 400
            assert refused.get_json() == [
                {"code": 400, "description": f"{name} is too far in the past or the future."}
            ]
    early = client.get(
        "/open311/v2/requests.json", query_string={"end_date": "0001-01-02T00:00:00Z"}, headers=key
    )
    assert (early.status_code, early.get_json()) == (
        200,
        [],
    )  # the default 90 days before: not before the year 1
    tickets = session.scalar(select(func.count(Ticket.id)))
    for slot in ("99999999999999999999", "²"):
        refused = client.post(
            "/open311/v2/requests.xml",
            data={
                "jurisdiction_id": "guihua",
                "service_code": "health-check",
                "address_string": "社区卫生站",
                "attribute[slot]": slot,
            },
            headers=key,
        )
        assert refused.status_code == 400
        assert xml(refused).findtext("error/description") == "slot: Please choose one of the times shown."
    assert session.scalar(select(func.count(Ticket.id))) == tickets
