"""The district roll-up (issue 16 item 6): a district administrator sees each community of their region side
by side, counts only; a community administrator only their own; a worker not at all; a CSV for reporting."""

from sqlalchemy import select

from webapp.models import Community, Region, RegionLevel, Resident


def test_district_admin_sees_each_community_side_by_side(client, auth, session, demo_community):
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    session.add(Community(slug="meihua", region=street, names={"zh_Hans": "梅花社区"}))
    session.commit()
    auth.sign_in("district")
    page = client.get("/staff/district").get_data(as_text=True)
    assert "桂花社区" in page
    assert "梅花社区" in page
    assert "<svg" in page  # the chart, with the table beside it
    some_name = session.scalar(select(Resident.name).where(Resident.community_id == demo_community.id))
    assert some_name not in page  # nothing personal
    csv = client.get("/staff/district.csv")
    assert csv.status_code == 200
    text = csv.get_data(as_text=True)
    assert text.count("\n") == 3  # heading + two communities
    assert "梅花社区" in text


def test_a_community_admin_sees_only_their_community(client, auth, session):
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    session.add(Community(slug="meihua", region=street, names={"zh_Hans": "梅花社区"}))
    session.commit()
    auth.sign_in("admin")
    page = client.get("/staff/district").get_data(as_text=True)
    assert "桂花社区" in page
    assert "梅花社区" not in page
    auth.sign_out()
    auth.sign_in("worker")
    assert client.get("/staff/district").status_code == 403
    assert client.get("/staff/district.csv").status_code == 403
