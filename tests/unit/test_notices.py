"""Notices: who is in the audience (buildings, groups), who sees an urgent one, and who is on the "not read" list."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.domain.life.notices import (
    NoticeError,
    audience_condition,
    check_notice,
    current_notices,
    is_for,
    local_today,
    mark_read,
    not_read,
    notices_for,
    read_count,
    save_notice,
    unread_urgent,
    withdraw,
)
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.infra import clock
from webapp.models import Building, Household, Notice, NoticeRead, Resident

OFFICE = Actor(type="staff", id=None, name="office")


def notice(session, community, *, urgent=True, buildings=(), groups=(), starts=-1, ends=2):
    now = clock.now()
    values = {
        "titles": {"zh_Hans": "停水通知", "en": "Water cut"},
        "bodies": {"zh_Hans": "明天停水", "en": "No water tomorrow"},
        "summaries": {"zh_Hans": "明天停水"},
        "urgent": urgent,
        "starts_at": now + timedelta(hours=starts),
        "ends_at": now + timedelta(days=ends) if ends is not None else None,
        "building_ids": list(buildings),
        "groups": list(groups),
    }
    made = save_notice(session, OFFICE, community.id, None, values)
    session.commit()
    return made


@pytest.fixture
def flats(session, demo_community):
    """One flat in Building 1 and one in Building 2 of the demo community."""
    one, two = sorted(demo_community.buildings, key=lambda b: b.number)[:2]
    return (
        session.scalar(select(Household).where(Household.building_id == one.id).limit(1)),
        session.scalar(select(Household).where(Household.building_id == two.id).limit(1)),
    )


@pytest.fixture
def people(make_resident, session, flats):
    """An 85-year-old living alone in Building 2, a 70-year-old in Building 2, a 40-year-old in Building 1."""
    flat1, flat2 = flats
    old = make_resident("独居老人", age=85, lives_alone=True)
    mid = make_resident("二幢住户", age=70)
    young = make_resident("一幢住户", age=40)
    old.household, mid.household, young.household = flat2, flat2, flat1
    session.commit()
    return old, mid, young


def test_whole_community_buildings_and_groups(session, demo_community, people, flats, frozen):
    old, mid, young = people
    building2 = flats[1].building_id
    everyone = notice(session, demo_community)
    in_building2 = notice(session, demo_community, buildings=[building2])
    aged_80 = notice(session, demo_community, groups=["aged_80"])
    aged_80_in_building1 = notice(
        session, demo_community, buildings=[flats[0].building_id], groups=["aged_80"]
    )
    today = local_today(old)
    assert [is_for(everyone, p, today) for p in people] == [True, True, True]
    assert [is_for(in_building2, p, today) for p in people] == [True, True, False]
    assert [is_for(aged_80, p, today) for p in people] == [True, False, False]
    assert [is_for(aged_80_in_building1, p, today) for p in people] == [False, False, False]


def test_the_python_rule_and_the_sql_rule_agree_for_every_resident(
    session, demo_community, people, flats, frozen
):
    """The feed uses is_for, the "not read" list audience_condition: they must pick the same people."""
    everyone = session.scalars(select(Resident).where(Resident.community_id == demo_community.id)).all()
    building2 = flats[1].building_id
    for buildings, groups in [
        ((), ()),
        ((building2,), ()),
        ((), ("aged_80",)),
        ((), ("aged_60", "lives_alone")),
        ((building2,), ("disability", "aged_80")),
    ]:
        made = notice(session, demo_community, buildings=buildings, groups=groups)
        today = local_today(made)
        in_sql = set(session.scalars(select(Resident.id).where(audience_condition(made, today))))
        in_python = {r.id for r in everyone if is_for(made, r, today)}
        assert in_sql == in_python, (buildings, groups)
        assert in_python, "each audience has somebody in the demo"


def test_urgent_notice_stays_until_read_and_the_not_read_list_shrinks(
    session, demo_community, people, flats, frozen
):
    old, mid, young = people
    water = notice(session, demo_community, buildings=[flats[1].building_id])
    assert water in unread_urgent(session, old)
    assert water in unread_urgent(session, mid)
    assert water not in unread_urgent(session, young)  # Building 1 is not in the audience
    before = read_count(session, water)
    assert {old.id, mid.id} <= {r.id for r in not_read(session, water)}
    assert young.id not in {r.id for r in not_read(session, water)}

    first = mark_read(session, Actor(type="resident", id=old.id), water, old, "phone")
    again = mark_read(session, Actor(type="resident", id=old.id), water, old, "kiosk:1")
    session.commit()
    assert first.id == again.id  # one tap or two, one receipt
    assert water not in unread_urgent(session, old)
    assert water in unread_urgent(session, mid)
    assert old.id not in {r.id for r in not_read(session, water)}
    after = read_count(session, water)
    assert (after.read, after.audience) == (before.read + 1, before.audience)


def test_someone_outside_the_audience_cannot_confirm(session, demo_community, people, flats, frozen):
    _old, _mid, young = people
    water = notice(session, demo_community, buildings=[flats[1].building_id])
    with pytest.raises(NoticeError) as refused:
        mark_read(session, OFFICE, water, young, "phone")
    assert refused.value.reason == "not_for_you"
    assert session.scalar(select(NoticeRead).where(NoticeRead.notice_id == water.id)) is None


def test_schedule_and_withdrawal(session, demo_community, people, frozen):
    old = people[0]
    later = notice(session, demo_community, starts=2, ends=3)
    ended = notice(session, demo_community, starts=-48, ends=-1)
    forever = notice(session, demo_community, urgent=False, ends=None)
    shown = current_notices(session, demo_community.id)
    assert later not in shown
    assert ended not in shown
    assert forever in shown
    frozen.advance(hours=3)
    assert later in notices_for(session, old)
    withdraw(session, OFFICE, later)
    session.commit()
    assert later not in notices_for(session, old)
    with pytest.raises(NoticeError):
        mark_read(session, OFFICE, later, old, "phone")


def test_group_notices_stay_off_public_screens(session, demo_community, frozen):
    public = notice(session, demo_community)
    private = notice(session, demo_community, groups=["lives_alone"])
    shown = current_notices(session, demo_community.id, public_only=True)
    assert public in shown
    assert private not in shown


def test_moved_out_and_withdrawn_consent_leave_the_audience(session, demo_community, people, frozen):
    from webapp.domain.register.residents import withdraw_consent
    from webapp.models import Consent, ConsentKind

    old, mid, _young = people
    session.add(Consent(resident_id=old.id, kind=ConsentKind.AGE, version="t"))
    session.commit()
    aged = notice(session, demo_community, groups=["aged_80"])
    assert old.id in {r.id for r in not_read(session, aged)}
    withdraw_consent(session, SYSTEM, old, ConsentKind.AGE)
    mid.moved_out_at = clock.now()
    session.commit()
    assert old.id not in {r.id for r in not_read(session, aged)}
    assert not is_for(aged, old, local_today(old))


def test_form_rules():
    buildings = {1, 2}
    good = {
        "titles": {"zh_Hans": "标题"},
        "bodies": {"zh_Hans": "内容"},
        "summaries": {},
        "starts_at": clock.now(),
        "ends_at": None,
        "building_ids": [1],
        "groups": ["aged_80"],
    }
    assert check_notice(good, buildings) == {}
    bad = {
        **good,
        "titles": {"zh_Hans": " ", "en": "x" * 200},
        "ends_at": good["starts_at"] - timedelta(hours=1),
        "building_ids": [3],
        "groups": ["everyone-over-100"],
    }
    assert check_notice(bad, buildings) == {
        "title_zh_Hans": "required",
        "title_en": "too_long",
        "ends": "ends_before_start",
        "buildings": "unknown_building",
        "groups": "bad_choice",
    }


def test_a_notice_for_a_building_elsewhere_is_not_for_anyone_here(session, demo_community, frozen):
    foreign = Building(community_id=demo_community.id, number=99, names={"zh_Hans": "99幢"})
    session.add(foreign)
    session.commit()
    empty = notice(session, demo_community, buildings=[foreign.id])
    assert read_count(session, empty).audience == 0
    assert not_read(session, empty) == []
    assert isinstance(empty, Notice)
