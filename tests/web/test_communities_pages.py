"""Regions and communities (issue 16 item 2): a district administrator adds, edits and archives the
communities of their region; a community's own administrator and workers cannot; archiving keeps records
readable and stops changes."""

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from webapp.models import Community, Region, RegionLevel, Role, StaffRegionRole, StaffUser


def add(client, **fields):
    token = csrf_token(client, "/staff/communities")
    region = fields.pop("region_id", None)
    if region is None:
        page = client.get("/staff/communities").get_data(as_text=True)
        import re

        region = re.search(r'<option value="(\d+)"', page).group(1)
    data = {
        "csrf_token": token,
        "name": "梅花社区",
        "region_id": region,
        "timezone": "Asia/Shanghai",
        **fields,
    }
    return client.post("/staff/communities", data=data)


def test_district_admin_adds_a_community_and_sees_it(client, auth, session):
    auth.sign_in("district")
    response = add(
        client, address="梅花路 8 号", phone="0571-8888-1234", office_hours="周一至周五 9:00–17:00"
    )
    assert response.status_code == 303
    community = session.scalar(select(Community).where(Community.names["zh_Hans"].as_string() == "梅花社区"))
    assert community.timezone == "Asia/Shanghai"
    assert community.address == "梅花路 8 号"
    listing = client.get("/staff/communities").get_data(as_text=True)
    assert "梅花社区" in listing
    assert "桂花社区" in listing
    # Their menu offers the setting-up pages, not residents' records.
    assert client.get("/staff/residents").status_code == 403
    assert client.get(f"/staff/buildings?community={community.id}").status_code == 200


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"timezone": "Mars/Olympus"}, "Asia/Shanghai"),
        ({"name": "x" * 65}, "太长"),
        ({"region_id": "999999"}, "请选择"),
    ],
)
def test_bad_community_input_is_explained_and_the_form_kept(client, auth, fields, words):
    auth.sign_in("district")
    response = add(client, address="梅花路 8 号", **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert words in page
    assert 'value="梅花路 8 号"' in page


@pytest.mark.parametrize("username", ["admin", "worker", "volunteer", "property", "provider"])
def test_community_roles_cannot_manage_communities(client, auth, demo_community, username):
    auth.sign_in(username)
    assert client.get("/staff/communities").status_code == 403
    assert client.get(f"/staff/communities/{demo_community.id}").status_code == 403


def test_a_district_admin_of_another_region_cannot_reach_this_one(
    client, auth, make_staff, session, demo_community
):
    elsewhere = Region(code="330102-x", level=RegionLevel.STREET, names={"zh_Hans": "别的街道"})
    session.add(elsewhere)
    session.add(Community(slug="lanhua", region=elsewhere, names={"zh_Hans": "兰花社区"}))
    session.flush()
    other = make_staff("other.district", Role.VOLUNTEER)
    other.roles.clear()
    other.region_roles.append(StaffRegionRole(region_id=elsewhere.id, role=Role.DISTRICT_ADMIN))
    session.commit()
    auth.sign_in("other.district")
    assert client.get(f"/staff/communities/{demo_community.id}").status_code == 404
    page = client.get("/staff/communities").get_data(as_text=True)
    assert "桂花社区" not in page
    assert "兰花社区" in page
    token = csrf_token(client, "/staff/communities")
    assert (
        client.post(f"/staff/communities/{demo_community.id}/archive", data={"csrf_token": token}).status_code
        == 404
    )
    session.refresh(demo_community)
    assert demo_community.archived_at is None


def test_archiving_keeps_records_readable_and_stops_changes(app, client, auth, session, demo_community):
    auth.sign_in("district")
    token = csrf_token(client, "/staff/communities")
    assert (
        client.post(f"/staff/communities/{demo_community.id}/archive", data={"csrf_token": token}).status_code
        == 303
    )
    office = app.test_client()
    from tests.conftest import Auth

    Auth(office).sign_in("admin")
    assert office.get("/staff/residents").status_code == 200  # readable
    assert office.get("/staff/buildings").status_code == 403  # no new places
    assert office.get("/staff/accounts").status_code == 403  # no new colleagues
    edit = client.post(
        f"/staff/communities/{demo_community.id}", data={"csrf_token": token, "name": "新名字"}
    )
    assert edit.status_code == 409
    client.post(f"/staff/communities/{demo_community.id}/archive", data={"csrf_token": token})
    assert office.get("/staff/buildings").status_code == 200


def test_district_admin_invites_the_new_communitys_administrator(client, auth, session):
    auth.sign_in("district")
    add(client)
    community = session.scalar(select(Community).where(Community.names["zh_Hans"].as_string() == "梅花社区"))
    token = csrf_token(client, "/staff/accounts")
    data = {
        "csrf_token": token,
        "display_name": "梅花管理员",
        "community_id": str(community.id),
        "role": "admin",
    }
    response = client.post("/staff/accounts", data={**data, "provider": ""})
    assert response.status_code == 200
    assert "/staff/invite/" in response.get_data(as_text=True)
    district = session.scalar(select(StaffUser).where(StaffUser.username == "district"))
    assert district.roles == []  # their reach comes from the region, not from community roles


def test_the_office_changes_its_own_details(client, auth, session, demo_community):
    auth.sign_in("admin")
    token = csrf_token(client, "/staff/settings")
    data = {
        "csrf_token": token,
        "name": "桂花社区",
        "address": "桂花路 2 号",
        "office_hours": "周一至周六 8:30–17:30",
    }
    bad = client.post("/staff/settings", data={**data, "timezone": "Nowhere/At_All"})
    assert bad.status_code == 400
    assert 'value="桂花路 2 号"' in bad.get_data(as_text=True)
    good = client.post(
        "/staff/settings", data={**data, "timezone": "Asia/Shanghai", "default_locale": "zh_Hant"}
    )
    assert good.status_code == 303
    session.refresh(demo_community)
    assert demo_community.office_hours == "周一至周六 8:30–17:30"
    assert demo_community.default_locale == "zh_Hant"
    auth.sign_out()
    auth.sign_in("worker")
    assert client.get("/staff/settings").status_code == 403


def test_control_characters_in_an_address_are_explained(client, auth):
    auth.sign_in("district")
    response = add(client, address="梅花路\x00 8 号")
    assert response.status_code == 400
    assert "只能使用文字、数字和标点" in response.get_data(as_text=True)
