"""Buildings in bulk (issue 16 item 3): the description offices use, parsed without a database (with
exceptions and every refusal named), then written in one step."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.register.compound import (
    MAX_HOUSEHOLDS,
    BuildingPlan,
    CompoundError,
    create,
    parse,
    taken_numbers,
)
from webapp.models import Building, Household


def test_the_issue_s_example():
    plan = parse("幢 1–12, 每幢 3 个单元, 18 层, 每层 4 户")
    assert [b.number for b in plan.buildings] == list(range(1, 13))
    assert set(plan.buildings) == {BuildingPlan(n, 3, 18, 4) for n in range(1, 13)}
    assert plan.households == 12 * 3 * 18 * 4


def test_exceptions_change_only_what_they_name():
    plan = parse("幢 1-12，每幢 3 个单元，18 层，每层 4 户\n7 幢：2 个单元，11 层；12 幢: 每层 2 户")
    by_number = {b.number: b for b in plan.buildings}
    assert by_number[7] == BuildingPlan(7, 2, 11, 4)
    assert by_number[12] == BuildingPlan(12, 3, 18, 2)
    assert by_number[1] == BuildingPlan(1, 3, 18, 4)


@pytest.mark.parametrize(
    "text",
    [
        "１－３幢，２个单元，６层，每层２户",  # noqa: RUF001 (full-width, as typed with a Chinese keyboard)
        "幢 1至3, 2 单元, 6 层, 2 户",
        "buildings 1-3, 2 units each, 6 floors, 2 flats per floor",
        "1、2和3号楼, 2个单元, 6层, 2套",
    ],
)
def test_other_ways_offices_write_it(text):
    plan = parse(text)
    assert [(b.number, b.units, b.floors, b.per_floor) for b in plan.buildings] == [
        (n, 2, 6, 2) for n in (1, 2, 3)
    ]


@pytest.mark.parametrize(
    ("text", "reason", "fragment"),
    [
        ("", "empty", ""),
        ("每幢 3 个单元, 18 层, 每层 4 户", "no_buildings", ""),
        ("幢 1-12, 18 层, 每层 4 户", "no_units", ""),
        ("幢 1-12, 3 个单元, 每层 4 户", "no_floors", ""),
        ("幢 1-12, 3 个单元, 18 层", "no_per_floor", ""),
        ("幢 1-12, 3 个单元, 18 层, 每层 4 户, 带电梯", "unknown", "带电梯"),
        ("幢 12-1, 3 个单元, 18 层, 每层 4 户", "range", "12-1"),
        ("幢 1-12, 0 个单元, 18 层, 每层 4 户", "range", "0 个单元"),
        ("幢 1-12, 3 个单元, 180 层, 每层 4 户", "range", "180 层"),
        ("幢 1-12, 3 个单元, 18 层, 每层 4 户\n13 幢: 2 个单元", "not_in_compound", "13"),
        ("幢 1-3、2, 3 个单元, 18 层, 每层 4 户", "twice", ""),
        ("幢 1-199, 20 个单元, 99 层, 每层 20 户", "too_many", ""),
        ("幢 1-12, 3 个单元, 18 层, 每层 4 户\n7 幢 2 个单元", "unknown", ""),
    ],
)
def test_refusals_name_the_part_at_fault(text, reason, fragment):
    with pytest.raises(CompoundError) as refused:
        parse(text)
    assert refused.value.reason == reason
    assert fragment in refused.value.fragment


def test_rooms_are_numbered_by_floor_and_door():
    rooms = BuildingPlan(3, 2, 18, 4).rooms()
    assert rooms[0] == (1, "101")
    assert rooms[-1] == (2, "1804")
    assert len(rooms) == len(set(rooms)) == 2 * 18 * 4


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_any_text_is_a_plan_or_a_named_refusal(text):
    try:
        plan, reason = parse(text), ""
    except CompoundError as refused:
        plan, reason = None, refused.reason
    if plan is None:
        assert reason  # a named refusal the console can word
    else:
        assert plan.buildings
        assert plan.households <= MAX_HOUSEHOLDS


@settings(max_examples=200, deadline=None)
@given(
    first=st.integers(1, 50),
    count=st.integers(1, 30),
    units=st.integers(1, 6),
    floors=st.integers(1, 33),
    per_floor=st.integers(1, 8),
    dash=st.sampled_from(["-", "–", "—", "至", "~", "－"]),
    comma=st.sampled_from([",", "，", " , "]),
)
def test_fuzz_descriptions_say_what_they_mean(first, count, units, floors, per_floor, dash, comma):
    last = first + count - 1
    text = comma.join(
        [f"幢 {first}{dash}{last}", f"每幢 {units} 个单元", f"{floors} 层", f"每层 {per_floor} 户"]
    )
    households = count * units * floors * per_floor
    if households > MAX_HOUSEHOLDS:
        with pytest.raises(CompoundError, match="too_many"):
            parse(text)
        return
    plan = parse(text)
    assert [b.number for b in plan.buildings] == list(range(first, last + 1))
    assert plan.households == households


def test_create_writes_everything_or_nothing(session, demo_community):
    plan = parse("幢 21-22, 每幢 2 个单元, 3 层, 每层 2 户\n22 幢: 1 个单元")
    made = create(session, SYSTEM, demo_community.id, plan)
    assert [b.number for b in made] == [21, 22]
    labels = set(
        session.scalars(
            select(Household.label).join(Building).where(Building.community_id == demo_community.id)
        )
    )
    assert {"21-1-101", "21-2-302", "22-1-302"} <= labels
    assert "22-2-101" not in labels
    assert taken_numbers(session, demo_community.id, parse("幢 1-30, 1 个单元, 1 层, 1 户"))[:3] == [1, 2, 21]
    before = session.scalar(select(func.count(Building.id)))
    with pytest.raises(CompoundError, match="taken"):
        create(session, SYSTEM, demo_community.id, parse("幢 22-23, 1 个单元, 1 层, 1 户"))
    assert session.scalar(select(func.count(Building.id))) == before
