"""Community life at the kiosk and on the lobby display: urgent notices on the attract screen, one-tap
"I have read this" and sign-up after a scan, the time-bank balance, a QR to call, and the display page."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from webapp.domain.identity.cards import issue_card
from webapp.domain.life import timebank
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra import clock
from webapp.models import Event, EventKind, EventSignup, LocalService, NoticeRead, SignupStatus


@pytest.fixture
def english_kiosk(kiosk_client):
    kiosk_client.set_cookie("linli_locale", "en")
    return kiosk_client


@pytest.fixture
def scanned(english_kiosk, session, make_resident):
    """A resident aged 85 identified at the kiosk by a card scan."""
    person = make_resident("李奶奶", age=85)
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    person.card_url = issued.url("https://x")
    scan(english_kiosk, person)
    return person


def scan(client, person):
    answer = client.post(
        "/kiosk/identify", data={"csrf_token": csrf_token(client, "/kiosk/"), "scan": person.card_url}
    )
    assert answer.get_json()["ok"]


def post(client, url):
    return client.post(url, data={"csrf_token": csrf_token(client, "/kiosk/notices")})


def test_attract_screen_shows_urgent_notices_for_everyone(
    english_kiosk, session, demo_community, frozen, make_notice
):
    make_notice("Gas check Theta")
    make_notice("Quiet news Iota", urgent=False)
    make_notice("Group alert Lambda", groups=["lives_alone"])
    page = english_kiosk.get("/kiosk/").get_data(as_text=True)
    assert "Gas check Theta" in page
    assert "Gas check Theta in short" in page  # the plain summary, what read-aloud says
    assert "Quiet news Iota" not in page
    assert "Group alert Lambda" not in page


def test_after_a_scan_the_residents_notices_and_one_tap_to_confirm(
    frozen, english_kiosk, scanned, session, demo_community, make_notice
):
    own = make_notice("For the elderly Mu", groups=["aged_80"])
    page = english_kiosk.get("/kiosk/notices").get_data(as_text=True)
    assert "For the elderly Mu" in page
    assert "I have read this" in page
    done = post(english_kiosk, f"/kiosk/notices/{own.id}/read")
    assert done.status_code == 303
    receipt = session.scalar(select(NoticeRead).where(NoticeRead.notice_id == own.id))
    assert receipt.resident_id == scanned.id
    assert receipt.channel.startswith("kiosk:")
    assert "You have read this." in english_kiosk.get("/kiosk/notices").get_data(as_text=True)


def test_without_a_scan_only_public_notices_and_no_confirming(
    english_kiosk, session, demo_community, frozen, make_notice
):
    private = make_notice("Private Pi", groups=["aged_80"])
    assert "Private Pi" not in english_kiosk.get("/kiosk/notices").get_data(as_text=True)
    assert english_kiosk.get(f"/kiosk/notices/{private.id}").status_code == 404
    refused = post(english_kiosk, f"/kiosk/notices/{private.id}/read")
    assert refused.headers["Location"] == "/kiosk/"


def test_one_tap_sign_up_and_the_time_bank_balance(frozen, english_kiosk, scanned, session, demo_community):
    event = Event(
        community_id=demo_community.id,
        kind=EventKind.ACTIVITY,
        titles={"zh_Hans": "太极", "en": "Tai chi Rho"},
        place="花园",
        starts_at=clock.now() + timedelta(days=1),
        ends_at=clock.now() + timedelta(days=1, hours=1),
        capacity=5,
    )
    session.add(event)
    timebank.set_welcome(session, SYSTEM, demo_community.id, 5)
    timebank.open_account(session, SYSTEM, scanned)
    session.commit()
    page = english_kiosk.get("/kiosk/events").get_data(as_text=True)
    assert "Tai chi Rho" in page
    assert "My time bank: 2.5 hours" in page
    done = post(english_kiosk, f"/kiosk/events/{event.id}/signup")
    assert done.status_code == 303
    entry = session.scalar(select(EventSignup).where(EventSignup.resident_id == scanned.id))
    assert (entry.status, entry.channel) == (SignupStatus.BOOKED, f"kiosk:{english_kiosk_id(session)}")
    assert "You have a place." in english_kiosk.get("/kiosk/events").get_data(as_text=True)
    statement = english_kiosk.get("/kiosk/timebank")
    assert "2.5 hours" in statement.get_data(as_text=True)
    assert statement.headers["Cache-Control"] == "no-store"
    frozen.advance(days=1, minutes=-30)  # the visit has long ended: scan again at the door
    scan(english_kiosk, scanned)
    # The ended visit took its language with it (the next person meets the kiosk's own): choose it again.
    english_kiosk.set_cookie("linli_locale", "en")
    assert "I am here" in english_kiosk.get("/kiosk/events").get_data(as_text=True)
    post(english_kiosk, f"/kiosk/events/{event.id}/check_in")
    session.refresh(entry)
    assert entry.checked_in_at is not None


def english_kiosk_id(session):
    from webapp.models import Kiosk

    return session.scalar(select(Kiosk.id).where(Kiosk.device_token_hash.is_not(None)))


def test_directory_has_a_large_qr_to_call(english_kiosk, session, demo_community):
    entry = session.scalar(
        select(LocalService).where(
            LocalService.community_id == demo_community.id, LocalService.phone.is_not(None)
        )
    )
    kinds = english_kiosk.get("/kiosk/directory").get_data(as_text=True)
    assert f"/kiosk/directory?kind={entry.kind.value}" in kinds
    listing = english_kiosk.get(f"/kiosk/directory?kind={entry.kind.value}").get_data(as_text=True)
    assert entry.name("en") in listing
    page = english_kiosk.get(f"/kiosk/directory/{entry.id}").get_data(as_text=True)
    assert 'class="qr"' in page
    assert f"QR code to call {entry.phone}" in page
    for path in ("/kiosk/directory/99999999999", "/kiosk/notices/99999999999"):
        assert english_kiosk.get(path).status_code == 404


def test_lobby_display_shows_public_content_and_serves_its_worker(
    client, session, demo_community, frozen, make_notice
):
    make_notice("Display urgent Tau")
    make_notice("Display normal Upsilon", urgent=False)
    make_notice("Display private Phi", groups=["aged_80"], urgent=False)
    from webapp.models import Course, TrainingSession

    course = Course(community_id=demo_community.id, titles={"zh_Hans": "手机入门", "en": "Class Chi basics"})
    session.add(course)
    session.flush()
    session.add(
        TrainingSession(
            community_id=demo_community.id,
            course_id=course.id,
            starts_at=clock.now() + timedelta(days=2),
            ends_at=clock.now() + timedelta(days=2, hours=1),
            place="活动室",
            capacity=8,
        )
    )
    session.commit()
    page = client.get(f"/display/{demo_community.slug}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Display urgent Tau" in text
    assert "Display normal Upsilon" in text
    assert "Display private Phi" not in text
    assert "Class Chi basics" in text  # digital-skills classes are on the display too
    assert "Places left: 8" in text
    assert "<form" not in text  # nothing to touch
    assert "js/display.js" in text
    worker = client.get("/display/sw.js")
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"
    assert b"caches" in worker.data
    assert client.get("/display/no-such-community").status_code == 404
