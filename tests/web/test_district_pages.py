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


def test_the_roll_up_downloads_as_xlsx_with_headings_in_the_readers_language(client, auth, session):
    from io import BytesIO

    from openpyxl import load_workbook

    auth.sign_in("district")
    client.set_cookie("linli_locale", "zh_Hant")
    answer = client.get("/staff/district.xlsx")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(BytesIO(answer.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "社區"  # Traditional Chinese headings, as the reader reads the page
    assert rows[1][0] == "桂花社區"
    assert isinstance(rows[1][1], int)  # numbers stay numbers for the office's own sums
    auth.sign_out()
    auth.sign_in("worker")
    assert client.get("/staff/district.xlsx").status_code == 403


def test_kiosk_uptime_is_the_share_of_hours_heard_in_the_last_week(session, demo_community, frozen):
    from datetime import timedelta

    from webapp.domain.kiosk.devices import heartbeat, uptime_percent
    from webapp.infra import clock
    from webapp.models import Kiosk

    kiosk = session.scalar(select(Kiosk).where(Kiosk.community_id == demo_community.id))
    kiosk.paired_at = clock.now() - timedelta(days=30)
    for _ in range(3):  # four hours heard in all; a second heartbeat in an hour is not counted twice
        heartbeat(session, kiosk, "1", None)
        frozen.advance(hours=1)
    heartbeat(session, kiosk, "1", None)
    heartbeat(session, kiosk, "1", None)
    assert uptime_percent(session, [kiosk.id]) == round(100 * 4 / 168, 1)
    assert uptime_percent(session, []) is None
