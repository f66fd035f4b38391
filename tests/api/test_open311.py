"""Open311 GeoReport v2: the standard's example requests answered in JSON and XML (parsed by a standard XML
parser), errors as a list of {code, description}, and the round trip: a request POSTed with a key, read back,
its status changed by a worker in the staff console, read again."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from sqlalchemy import select

from tests.api.conftest import bearer
from tests.conftest import csrf_token
from webapp.models import AuditEntry, Ticket


def xml(response) -> ET.Element:
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.get_data())  # noqa: S314 (our own answer, in a test)


def test_standard_example_requests_in_both_formats(client, make_key):
    key = bearer(make_key())
    discovery = client.get("/open311/v2/discovery.xml", headers=key)
    assert xml(discovery).find("endpoints/item/specification").text == "http://wiki.open311.org/GeoReport_v2"

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
    assert done.status_code in (302, 303)

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
