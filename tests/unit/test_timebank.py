"""The time bank's ledger: balanced transactions, balances that are the sum of their entries, no overdraft,
welcome credit, approvals, family gifts, monthly statements in local time, and entries nobody can change."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from webapp.domain.life import timebank, volunteering
from webapp.domain.privacy.audit import Actor
from webapp.infra import clock
from webapp.models import (
    ClaimStatus,
    LocalService,
    PlaceKind,
    TimeAccount,
    TimeEntry,
    TimeTransaction,
)
from webapp.models.privacy import AppendOnlyError

OFFICE = Actor(type="staff", name="office")


@pytest.fixture
def canteen(session, demo_community):
    place = LocalService(
        community_id=demo_community.id,
        kind=PlaceKind.CANTEEN,
        names={"zh_Hans": "食堂"},
        address="1 号",
        hours=[],
        accepts_hours=True,
    )
    session.add(place)
    session.commit()
    return place


@pytest.fixture
def family(make_resident, session):
    """Two people in one flat and a neighbour in another."""
    grandma = make_resident("奶奶", age=80)
    grandson = make_resident("孙子", age=30)
    neighbour = make_resident("邻居", age=50)
    grandson.household_id = grandma.household_id
    from webapp.models import Household

    neighbour.household_id = session.scalar(
        select(Household.id).where(Household.id != grandma.household_id).limit(1)
    )
    session.commit()
    return grandma, grandson, neighbour


def test_hours_are_typed_in_half_hour_steps():
    assert [timebank.parse_hours(t) for t in ("0.5", "1", "1.5", "2.0", "100")] == [1, 2, 3, 4, 200]
    for bad in ("0", "", "1.25", "-1", "abc", "100.5", "１", "1e2", ".5", ".5x"):
        with pytest.raises(timebank.TimeBankError):
            timebank.parse_hours(bad)
    assert [timebank.hours_text(n) for n in (0, 1, 4, 5, -3)] == ["0", "0.5", "2", "2.5", "-1.5"]


def test_welcome_credit_is_configurable_and_comes_from_the_pool(session, family, demo_community):
    grandma, grandson, _ = family
    timebank.set_welcome(session, OFFICE, demo_community.id, 6)
    account = timebank.open_account(session, OFFICE, grandma)
    assert timebank.balance(session, account.id) == 6
    assert timebank.open_account(session, OFFICE, grandma).id == account.id  # once only
    timebank.set_welcome(session, OFFICE, demo_community.id, 0)
    assert timebank.balance(session, timebank.open_account(session, OFFICE, grandson).id) == 0
    pool = timebank.pool_account(session, demo_community.id)
    assert timebank.balance(session, pool.id) <= -6


def test_claim_approve_spend_give(session, family, canteen, frozen):
    grandma, grandson, neighbour = family
    timebank.set_welcome(session, OFFICE, grandma.community_id, 0)
    claim = volunteering.claim(session, OFFICE, grandma, "session_led", 3, date(2026, 11, 28), "手机课")
    assert claim.status == ClaimStatus.PENDING
    assert timebank.account_of(session, grandma.id) is None  # nothing counts before approval
    volunteering.approve(session, OFFICE, claim)
    with pytest.raises(timebank.TimeBankError, match="decided"):
        volunteering.approve(session, OFFICE, claim)
    mine = timebank.account_of(session, grandma.id)
    assert timebank.balance(session, mine.id) == 3
    timebank.spend(session, OFFICE, grandma, canteen, 1)
    timebank.give(session, OFFICE, grandma, grandson, 1)
    assert timebank.balance(session, mine.id) == 1
    assert timebank.balance(session, timebank.account_of(session, grandson.id).id) == 1
    with pytest.raises(timebank.TimeBankError, match="not_family"):
        timebank.give(session, OFFICE, grandma, neighbour, 1)
    with pytest.raises(timebank.TimeBankError, match="overdrawn"):
        timebank.spend(session, OFFICE, grandma, canteen, 2)
    canteen.accepts_hours = False
    with pytest.raises(timebank.TimeBankError, match="not_accepted"):
        timebank.spend(session, OFFICE, grandma, canteen, 1)


def test_an_unbalanced_transaction_is_refused(session, family):
    account = timebank.open_account(session, OFFICE, family[0])
    pool = timebank.pool_account(session, family[0].community_id)
    for moves in ([(account, 2), (pool, -1)], [(account, 1)], [(account, 0), (pool, 0)]):
        with pytest.raises(timebank.TimeBankError, match="unbalanced"):
            timebank.post(session, OFFICE, account.community_id, "earn", "", moves)


def test_entries_and_transactions_are_append_only(session, family):
    timebank.open_account(session, OFFICE, family[0])
    session.commit()
    entry = session.scalar(select(TimeEntry))
    entry.half_hours = 999
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    for statement in (
        "UPDATE time_entry SET half_hours = 999",
        "DELETE FROM time_entry",
        "UPDATE time_transaction SET memo = 'x'",
        "DELETE FROM time_transaction",
    ):
        with pytest.raises(Exception, match="append-only"):
            session.execute(text(statement))
        session.rollback()


def test_monthly_statement_in_local_time(session, family, canteen, frozen):
    grandma = family[0]
    timebank.set_welcome(session, OFFICE, grandma.community_id, 4)
    clock.freeze(datetime(2026, 10, 31, 15, 0, tzinfo=UTC))  # 23:00 on 31 October in Shanghai
    account = timebank.open_account(session, OFFICE, grandma)
    clock.freeze(datetime(2026, 10, 31, 16, 30, tzinfo=UTC))  # 00:30 on 1 November in Shanghai
    timebank.spend(session, OFFICE, grandma, canteen, 1)
    clock.freeze(datetime(2026, 11, 20, 4, 0, tzinfo=UTC))
    timebank.spend(session, OFFICE, grandma, canteen, 2)
    october = timebank.statement(session, account, date(2026, 10, 1))
    november = timebank.statement(session, account, date(2026, 11, 1))
    assert (october.opening, [line.half_hours for line in october.lines], october.closing) == (0, [4], 4)
    assert (november.opening, [line.half_hours for line in november.lines], november.closing) == (
        4,
        [-1, -2],
        1,
    )
    assert [line.balance for line in november.lines] == [3, 1]
    assert november.lines[0].other.local_service_id == canteen.id


# --- Properties: whatever sequence of operations, the books balance and no one goes below zero. ---

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["open", "claim", "approve", "spend", "give", "welcome"]),
        st.integers(min_value=0, max_value=2),  # who
        st.integers(min_value=0, max_value=2),  # to whom (for gifts)
        st.integers(min_value=-2, max_value=12),  # half-hours, some invalid
    ),
    max_size=25,
)


def check_books(session, community_id: int, expected: dict[int, int]) -> None:
    sums = session.execute(
        select(TimeEntry.transaction_id, func.sum(TimeEntry.half_hours)).group_by(TimeEntry.transaction_id)
    ).all()
    assert all(total == 0 for _id, total in sums), "every transaction balances"
    accounts = session.scalars(select(TimeAccount).where(TimeAccount.community_id == community_id)).all()
    for account in accounts:
        entries_sum = session.scalar(
            select(func.coalesce(func.sum(TimeEntry.half_hours), 0)).where(TimeEntry.account_id == account.id)
        )
        assert timebank.balance(session, account.id) == entries_sum
        if account.resident_id in expected:
            assert entries_sum == expected[account.resident_id], "matches an independent tally"
            assert entries_sum >= 0, "no overdraft"
    assert sum(timebank.balances(session, [a.id for a in accounts]).values()) == 0, "hours are never made"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_any_sequence_of_operations_keeps_the_books(session, family, canteen, operations):
    people = list(family)
    people[2].household_id = people[0].household_id  # everyone is family here, so gifts can happen
    session.flush()
    community_id = people[0].community_id
    nested = session.begin_nested()
    try:
        tally: dict[int, int] = {}
        welcome = timebank.welcome_half_hours(session, community_id)
        pending = []
        for op, who, to, amount in operations:
            person, other = people[who], people[to]
            try:
                if op == "welcome":
                    timebank.set_welcome(session, OFFICE, community_id, amount)
                    welcome = amount
                elif op == "open":
                    is_new = timebank.account_of(session, person.id) is None
                    timebank.open_account(session, OFFICE, person)
                    if is_new:
                        tally[person.id] = welcome
                elif op == "claim":
                    day = clock.now().date() - timedelta(days=1)
                    pending.append(volunteering.claim(session, OFFICE, person, "help_given", amount, day))
                elif op == "approve" and pending:
                    claim = pending.pop(0)
                    is_new = timebank.account_of(session, claim.resident_id) is None
                    volunteering.approve(session, OFFICE, claim)
                    before = welcome if is_new else tally.get(claim.resident_id, 0)
                    tally[claim.resident_id] = before + claim.half_hours
                elif op == "spend":
                    timebank.spend(session, OFFICE, person, canteen, amount)
                    tally[person.id] -= amount
                elif op == "give":
                    is_new = timebank.account_of(session, other.id) is None
                    timebank.give(session, OFFICE, person, other, amount)
                    tally[person.id] -= amount
                    tally[other.id] = (0 if is_new else tally.get(other.id, 0)) + amount
            except timebank.TimeBankError:
                pass  # refused: and it must have left nothing behind (checked below)
            check_books(session, community_id, tally)
    finally:
        nested.rollback()


def test_the_sums_of_stored_transactions_in_the_demo_balance(session):
    """The seeded demo went through the same functions: its books balance too."""
    assert session.scalar(select(func.count(TimeTransaction.id))) > 0
    sums = (
        session.execute(select(func.sum(TimeEntry.half_hours)).group_by(TimeEntry.transaction_id))
        .scalars()
        .all()
    )
    assert set(sums) == {0}


def test_a_statement_reads_in_the_same_few_queries_however_many_people_and_places_it_names(
    app, session, family, demo_community
):
    """The other side of each line (a place, a family member) is read with the lines, not one row at a time."""
    from sqlalchemy import event

    from webapp.infra.db import database

    grandma, grandson, _neighbour = family
    timebank.set_welcome(session, OFFICE, grandma.community_id, 40)
    account = timebank.open_account(session, OFFICE, grandma)
    places = [
        LocalService(
            community_id=demo_community.id,
            kind=PlaceKind.CANTEEN,
            names={"zh_Hans": f"食堂 {n}"},
            address=f"{n} 号",
            hours=[],
            accepts_hours=True,
        )
        for n in range(6)
    ]
    session.add_all(places)
    session.flush()
    timebank.open_account(session, OFFICE, grandson, welcome=False)
    timebank.give(session, OFFICE, grandma, grandson, 1)
    session.commit()

    def side(other: TimeAccount) -> str:
        if other.local_service is not None:
            return other.local_service.names["zh_Hans"]
        return other.resident.name if other.resident is not None else "community"

    def queries_for_statement() -> tuple[int, list[str]]:
        fresh = database(app).sessionmaker()  # nothing already loaded: every row read is counted
        said: list[str] = []

        def count(*_args) -> None:
            said.append("q")

        engine = fresh.get_bind().engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            mine = fresh.get(TimeAccount, account.id)
            month = timebank.statement(fresh, mine, clock.now().date())
            names = [side(line.other) for line in month.lines]  # what the statement pages show by each line
        finally:
            event.remove(engine, "before_cursor_execute", count)
            fresh.close()
        return len(said), names

    few, few_names = queries_for_statement()
    for place in places:
        timebank.spend(session, OFFICE, grandma, place, 1)
    session.commit()
    many, many_names = queries_for_statement()
    assert len(many_names) == len(few_names) + len(places)
    assert {f"食堂 {n}" for n in range(6)} <= set(many_names)
    assert many == few <= 6
