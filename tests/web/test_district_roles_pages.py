"""The district role from the console (issue 16 item 3): a district administrator gives it for their street,
never above; a community administrator cannot give it at all."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_token
from webapp.models import Region, RegionLevel, StaffRegionRole, StaffUser


def test_the_district_role_is_given_from_the_console_only_within_ones_reach(client, auth, session):
    client.set_cookie("linli_locale", "en")
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    district = session.scalar(select(Region).where(Region.level == RegionLevel.DISTRICT))
    worker = session.scalar(select(StaffUser).where(StaffUser.username == "worker"))
    url = f"/staff/accounts/{worker.id}/regions"

    auth.sign_in("admin")  # a community administrator
    token = csrf_token(client, f"/staff/accounts/{worker.id}")
    assert "Make district administrator" not in client.get(f"/staff/accounts/{worker.id}").get_data(
        as_text=True
    )
    refused = client.post(url, data={"csrf_token": token, "region_id": str(street.id)})
    assert refused.status_code == 400
    assert "only for your own street" in refused.get_data(as_text=True)
    auth.sign_out()

    auth.sign_in("district")
    page = client.get(f"/staff/accounts/{worker.id}").get_data(as_text=True)
    assert "Make district administrator" in page
    token = csrf_token(client, f"/staff/accounts/{worker.id}")
    above = client.post(url, data={"csrf_token": token, "region_id": str(district.id)})
    assert above.status_code == 400
    given = client.post(url, data={"csrf_token": token, "region_id": str(street.id)})
    assert given.status_code == 303
    held = session.scalar(select(StaffRegionRole).where(StaffRegionRole.staff_user_id == worker.id))
    assert held.region_id == street.id
    removed = client.post(f"/staff/accounts/{worker.id}/regions/{held.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    session.expire_all()
    assert session.scalar(select(StaffRegionRole).where(StaffRegionRole.staff_user_id == worker.id)) is None
