"""Events: places up to capacity, a waiting list in order, the first waiting person moves up when someone
cancels (and is told), reminders once, check-in near the start, calling an event off."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.domain.life import events
from webapp.domain.privacy.audit import Actor
from webapp.infra import clock
from webapp.models import Event, EventKind, EventSignup, Notification, SignupStatus

STAFF = Actor(type="staff", name="office")


@pytest.fixture
def event(session, demo_community, frozen):
    made = Event(
        community_id=demo_community.id,
        kind=EventKind.ACTIVITY,
        titles={"zh_Hans": "包饺子", "en": "Dumplings"},
        place="活动室",
        starts_at=clock.now() + timedelta(days=2),
        ends_at=clock.now() + timedelta(days=2, hours=2),
        capacity=2,
    )
    session.add(made)
    session.commit()
    return made


@pytest.fixture
def five(make_resident):
    return [make_resident(f"邻居{n}", age=60 + n) for n in range(5)]


def sign(session, event, person):
    entry = events.signup(session, Actor(type="resident", id=person.id), event, person, "phone")
    session.commit()
    return entry


def news_for(session, person):
    return [
        (n.kind, n.detail)
        for n in session.scalars(select(Notification).where(Notification.resident_id == person.id))
    ]


def test_capacity_then_waiting_list_in_order(session, event, five, frozen):
    statuses = []
    for person in five:
        statuses.append(sign(session, event, person).status)
        frozen.advance(seconds=1)
    assert statuses == [SignupStatus.BOOKED] * 2 + [SignupStatus.WAITING] * 3
    assert events.counts(session, [event.id]) == {event.id: (2, 3)}
    waiting = [events.signups_of(session, p.id, [event.id])[event.id] for p in five[2:]]
    assert [events.waiting_position(session, w) for w in waiting] == [1, 2, 3]
    assert sign(session, event, five[0]).status == SignupStatus.BOOKED  # twice changes nothing
    assert events.counts(session, [event.id]) == {event.id: (2, 3)}


def test_cancel_moves_the_first_waiting_person_up_and_tells_them(session, event, five, frozen):
    for person in five:
        sign(session, event, person)
        frozen.advance(seconds=1)
    promoted = events.cancel(session, Actor(type="resident", id=five[0].id), event, five[0])
    session.commit()
    assert [p.resident_id for p in promoted] == [five[2].id]
    assert events.signups_of(session, five[2].id, [event.id])[event.id].status == SignupStatus.BOOKED
    assert news_for(session, five[2]) == [("event_place", str(event.id))]
    assert news_for(session, five[3]) == []
    assert events.counts(session, [event.id]) == {event.id: (2, 2)}
    # Leaving the waiting list frees no place: nobody moves up.
    assert events.cancel(session, STAFF, event, five[4]) == []
    assert events.counts(session, [event.id]) == {event.id: (2, 1)}
    with pytest.raises(events.EventError, match="not_signed_up"):
        events.cancel(session, STAFF, event, five[4])


def test_signing_up_again_after_cancelling_goes_to_the_back(session, event, five, frozen):
    for person in five[:3]:
        sign(session, event, person)
        frozen.advance(seconds=1)
    events.cancel(session, STAFF, event, five[0])  # five[2] moves up; the event is full again
    frozen.advance(seconds=1)
    again = sign(session, event, five[0])
    assert again.status == SignupStatus.WAITING
    assert events.waiting_position(session, again) == 1


def test_more_places_move_people_up(session, event, five, frozen):
    for person in five:
        sign(session, event, person)
        frozen.advance(seconds=1)
    values = {
        "kind": "activity",
        "titles": dict(event.titles),
        "descriptions": {},
        "place": event.place,
        "starts_at": event.starts_at,
        "minutes": 120,
        "capacity": 4,
    }
    events.save_event(session, STAFF, event.community_id, event, values)
    session.commit()
    assert events.counts(session, [event.id]) == {event.id: (4, 1)}
    assert news_for(session, five[3]) == [("event_place", str(event.id))]


def test_no_sign_up_once_started_or_called_off(session, event, five, frozen):
    frozen.advance(days=2, minutes=1)
    with pytest.raises(events.EventError, match="past"):
        sign(session, event, five[0])
    session.rollback()
    frozen.advance(days=-2, minutes=-1)
    sign(session, event, five[0])
    assert events.cancel_event(session, STAFF, event) == 1
    session.commit()
    assert news_for(session, five[0]) == [("event_cancelled", str(event.id))]
    with pytest.raises(events.EventError, match="cancelled"):
        sign(session, event, five[1])


def test_reminders_once_a_day_before(session, event, five, frozen):
    sign(session, event, five[0])
    events.send_reminders(session)
    assert news_for(session, five[0]) == []  # two days ahead: not yet
    frozen.advance(days=1, hours=1)
    assert events.send_reminders(session) >= 1
    assert events.send_reminders(session) == 0  # running it again sends nothing new
    session.commit()
    assert news_for(session, five[0]) == [("event_reminder", str(event.id))]


def test_check_in_only_near_the_time_and_only_with_a_place(session, event, five, frozen):
    sign(session, event, five[0])
    sign(session, event, five[1])
    sign(session, event, five[2])  # waiting
    with pytest.raises(events.EventError, match="not_now"):
        events.check_in(session, STAFF, event, five[0])
    frozen.advance(days=2, minutes=-30)
    entry = events.check_in(session, STAFF, event, five[0])
    assert entry.checked_in_at == clock.now()
    with pytest.raises(events.EventError, match="not_booked"):
        events.check_in(session, STAFF, event, five[2])
    frozen.advance(hours=3)
    with pytest.raises(events.EventError, match="not_now"):
        events.check_in(session, STAFF, event, five[1])


def test_residents_of_another_community_cannot_sign_up(session, event, make_resident):
    from webapp.models import Community, Region

    other = Community(slug="elsewhere", region=session.scalar(select(Region)), names={"zh_Hans": "别处"})
    session.add(other)
    session.flush()
    stranger = make_resident("外人", age=50)
    stranger.community_id = other.id
    session.commit()
    with pytest.raises(events.EventError, match="other_community"):
        events.signup(session, STAFF, event, stranger, "phone")
    assert session.scalar(select(EventSignup).where(EventSignup.resident_id == stranger.id)) is None


def test_life_jobs_command_sends_reminders(app, session, event, five, frozen):
    sign(session, event, five[0])
    frozen.advance(days=1, hours=1)
    result = app.test_cli_runner().invoke(args=["life-jobs"])
    assert result.exit_code == 0, result.output
    assert "event reminders:" in result.output
    assert news_for(session, five[0]) == [("event_reminder", str(event.id))]
