"""Community life on the phone: urgent notices on top until confirmed, activities, the directory, the time bank."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import csrf_token, refused_in_words
from webapp.domain.life import timebank
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra import clock
from webapp.models import (
    Event,
    EventKind,
    EventSignup,
    HourClaim,
    LocalService,
    NoticeRead,
    PlaceKind,
    SignupStatus,
    TimeTransaction,
)


def yesterday() -> str:
    return (clock.now() - timedelta(days=1)).date().isoformat()


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/me"), **data})


def test_urgent_notice_on_top_of_my_linli_until_confirmed(
    phone, session, person, demo_community, frozen, make_notice
):
    water = make_notice("Water cut Zeta")
    page = phone.get("/me").get_data(as_text=True)
    assert page.index("Water cut Zeta") < page.index("What you can do")
    assert "Water cut Zeta in short" in phone.get("/me/notices").get_data(as_text=True)
    done = post(phone, f"/me/notices/{water.id}/read", back="me")
    assert done.status_code == 303
    assert done.headers["Location"] == "/me"
    assert "Water cut Zeta" not in phone.get("/me").get_data(as_text=True)
    assert "You have read this." in phone.get(f"/me/notices/{water.id}").get_data(as_text=True)
    receipt = session.scalar(select(NoticeRead).where(NoticeRead.notice_id == water.id))
    assert (receipt.resident_id, receipt.channel) == (person.id, "phone")
    assert phone.get("/me/notices").headers["Cache-Control"] == "no-store"


def test_a_notice_for_another_group_is_not_shown_or_confirmable(
    phone, session, demo_community, frozen, make_notice
):
    disabled_only = make_notice("Ramp repairs Kappa", groups=["disability"])
    assert "Ramp repairs Kappa" not in phone.get("/me").get_data(as_text=True)
    assert phone.get(f"/me/notices/{disabled_only.id}").status_code == 404
    assert post(phone, f"/me/notices/{disabled_only.id}/read").status_code == 404


def test_anonymous_start_page_shows_urgent_notices_for_everyone_only(
    client, session, demo_community, frozen, make_notice
):
    make_notice("Lift stop Omega")
    make_notice("Group news Sigma", groups=["aged_80"])
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Lift stop Omega" in page
    assert "Group news Sigma" not in page


@pytest.fixture
def activity(session, demo_community, frozen):
    made = Event(
        community_id=demo_community.id,
        kind=EventKind.CLASS,
        titles={"zh_Hans": "手机课", "en": "Phone class Delta"},
        place="活动室",
        starts_at=clock.now() + timedelta(days=1),
        ends_at=clock.now() + timedelta(days=1, hours=1),
        capacity=1,
    )
    session.add(made)
    session.commit()
    return made


def test_sign_up_and_give_up_a_place(phone, session, person, activity, make_resident):
    assert "Phone class Delta" in phone.get("/me/events").get_data(as_text=True)
    assert post(phone, f"/me/events/{activity.id}/signup").status_code == 303
    page = phone.get(f"/me/events/{activity.id}").get_data(as_text=True)
    assert "You have a place." in page
    waiting = make_resident("排队的人", age=70)
    from webapp.domain.life import events

    events.signup(session, SYSTEM, activity, waiting, "kiosk:1")
    session.commit()
    asked = post(phone, f"/me/events/{activity.id}/cancel")
    assert asked.status_code == 200
    assert "No, keep my place" in asked.get_data(as_text=True)
    assert post(phone, f"/me/events/{activity.id}/cancel", confirmed="yes").status_code == 303
    moved = session.scalar(select(EventSignup).where(EventSignup.resident_id == waiting.id))
    assert moved.status == SignupStatus.BOOKED
    again = post(phone, f"/me/events/{activity.id}/cancel", confirmed="yes")
    assert again.status_code == 400
    assert "You are not signed up for this." in again.get_data(as_text=True)


def test_directory_is_public_with_tap_to_call(client, session, demo_community):
    entry = session.scalar(
        select(LocalService).where(LocalService.community_id == demo_community.id).limit(1)
    )
    listing = client.get("/directory", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert entry.name("en") in listing
    page = client.get(f"/directory/{entry.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="tel:' in page
    assert "Opening hours" in page
    assert client.get("/directory?kind=nonsense").status_code == 200
    assert client.get("/directory/999999").status_code == 404
    assert client.get("/directory/99999999999").status_code == 404  # past PostgreSQL's integer: still a 404


@pytest.fixture
def canteen(session, demo_community):
    place = LocalService(
        community_id=demo_community.id,
        kind=PlaceKind.CANTEEN,
        names={"zh_Hans": "食堂", "en": "Canteen Nu"},
        address="1 号",
        hours=[],
        accepts_hours=True,
    )
    session.add(place)
    session.commit()
    return place


def test_time_bank_claim_use_and_give(phone, session, person, canteen, make_resident):
    timebank.set_welcome(session, SYSTEM, person.community_id, 4)
    account = timebank.open_account(session, SYSTEM, person)
    son = make_resident("儿子", age=50)
    son.household_id = person.household_id
    session.commit()
    page = phone.get("/me/timebank").get_data(as_text=True)
    assert "2 hours" in page
    assert "Welcome hours" in page
    bad = post(phone, "/me/timebank/use", place=str(canteen.id), use_hours="9")
    assert bad.status_code == 400
    assert "There are not enough hours" in bad.get_data(as_text=True)
    assert 'value="9"' in bad.get_data(as_text=True)  # what was typed stays
    assert post(phone, "/me/timebank/use", place=str(canteen.id), use_hours="1").status_code == 303
    assert post(phone, "/me/timebank/give", to=str(son.id), give_hours="0.5").status_code == 303
    assert timebank.balance(session, account.id) == 1
    assert timebank.balance(session, timebank.account_of(session, son.id).id) == 1
    claim = post(phone, "/me/timebank/claim", kind="help_given", claim_hours="1.5", day=yesterday())
    assert claim.status_code == 303
    assert timebank.balance(session, account.id) == 1  # waits for approval
    nonsense = post(phone, "/me/timebank/claim", kind="help_given", claim_hours="1.25")
    assert nonsense.status_code == 400
    assert "half-hour steps" in nonsense.get_data(as_text=True)


def test_moving_hours_needs_a_fresh_pin(frozen, phone, session, person, canteen):
    timebank.open_account(session, SYSTEM, person)
    session.commit()
    frozen.advance(minutes=11)
    late = post(phone, "/me/timebank/use", place=str(canteen.id), use_hours="1")
    assert late.status_code == 302
    assert "/me/verify" in late.headers["Location"]


def test_event_news_is_worded_on_my_linli(frozen, phone, session, person, activity):
    from webapp.domain.life import events

    events.signup(session, SYSTEM, activity, person, "phone")
    frozen.advance(hours=1)
    assert events.send_reminders(session) >= 1
    session.commit()
    page = phone.get("/me").get_data(as_text=True)
    assert "Reminder: Phone class Delta is on" in page
    assert " has news." not in page  # not the ticket wording with an empty number


def test_public_notices_are_the_same_for_everyone(
    client, phone, session, demo_community, frozen, make_notice
):
    make_notice("Everyone Epsilon", urgent=False)
    make_notice("Only some Eta", groups=["aged_80"])
    anonymous = client.get("/notices", headers={"Accept-Language": "en"}).get_data(as_text=True)
    signed_in = phone.get("/notices").get_data(as_text=True)
    for page in (anonymous, signed_in):
        assert "Everyone Epsilon" in page
        assert "Only some Eta" not in page


def ledger(session) -> tuple[int, int, int]:
    """Rows the time bank and event forms write: hours claimed, hours moved, places taken."""
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(t)) for t in (HourClaim, TimeTransaction, EventSignup)
    )


def signup_of(session, person, url: str) -> SignupStatus | None:
    """Her place at the event an /me/events/<id>/… address names (None where it names none or she has none)."""
    parts = url.split("/")
    if len(parts) < 4 or parts[2] != "events" or not parts[3].isdigit() or int(parts[3]) > 2**31:
        return None
    session.expire_all()
    return session.scalar(
        select(EventSignup.status).where(
            EventSignup.event_id == int(parts[3]),
            EventSignup.resident_id == person.id,
            EventSignup.status != SignupStatus.CANCELLED,
        )
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    hours=st.text(max_size=12) | st.sampled_from(["0.5", "1", "100.5", "-1", "1e9"]),
    other=st.text(max_size=12) | st.sampled_from(["1", "0", "999999", "99999999999"]),
    day=st.text(max_size=12) | st.sampled_from(["2026-11-28", "0001-01-01", "9999-12-31"]),
)
def test_any_time_bank_input_gets_a_page_or_a_message_never_a_500(phone, session, person, hours, other, day):
    before = ledger(session)
    well_formed = post(phone, "/me/timebank/claim", kind="help_given", claim_hours="1.5", day=yesterday())
    assert well_formed.status_code == 303  # taken: the requests below are judged on their content
    assert well_formed.headers["Location"] == "/me/timebank"
    assert ledger(session)[0] == before[0] + 1  # the control's claim is kept, waiting for the office
    for url, data in (
        ("/me/timebank/claim", {"kind": other, "claim_hours": hours, "day": day}),
        ("/me/timebank/use", {"place": other, "use_hours": hours}),
        ("/me/timebank/give", {"to": other, "give_hours": hours}),
        (f"/me/events/{other}/signup" if other.isascii() and other.isdigit() else "/me/events/1/signup", {}),
    ):
        before, held_before = ledger(session), signup_of(session, person, url)
        response = post(phone, url, **data)
        after = ledger(session)
        if response.status_code == 303 and "/events/" in url:
            # taken: she holds a place or a turn there; a second sign-up keeps the first and adds no row
            assert signup_of(session, person, url) in (SignupStatus.BOOKED, SignupStatus.WAITING), url
            assert sum(after) == sum(before) + (0 if held_before else 1), url
        elif response.status_code == 303:  # taken: one row more where this form writes
            assert sum(after) > sum(before), url
        else:
            assert after == before, (url, response.status_code)
            if response.status_code == 302:  # spending or giving asks for the PIN again first
                assert response.headers["Location"].startswith("/me/verify"), response.headers["Location"]
            elif response.status_code == 404:
                assert "/events/" in url
            else:
                assert response.status_code == 400, (url, response.status_code)
                assert refused_in_words(response), url
