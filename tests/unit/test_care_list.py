"""Care-list rules with a frozen clock: who appears, when, and who disappears after a check-in or a visit."""

from datetime import UTC, datetime

import pytest

from tests.conftest import VAULT
from webapp.domain.kiosk.care import care_list, check_in, record_care_action
from webapp.domain.privacy.audit import SYSTEM, Actor, record
from webapp.domain.register.residents import ResidentInput, create_resident
from webapp.models import CareOutcome, ConsentKind, KioskVisit


@pytest.fixture
def alone(session, demo_community):
    """Three people living alone (with consent) of different ages, one without consent, one not alone."""

    def add(name, born, lives_alone=True, consent=True):
        from datetime import date

        data = ResidentInput(
            name=name,
            birth_date=date(born, 1, 1),
            lives_alone=lives_alone,
            consents={ConsentKind.AGE} | ({ConsentKind.LIVES_ALONE} if consent and lives_alone else set()),
        )
        if lives_alone and not consent:
            data.consents = {ConsentKind.AGE, ConsentKind.LIVES_ALONE}
        resident = create_resident(session, VAULT, SYSTEM, demo_community.id, data)
        if lives_alone and not consent:
            from webapp.domain.register.residents import withdraw_consent

            withdraw_consent(session, SYSTEM, resident, ConsentKind.LIVES_ALONE)
        return resident

    people = {
        "oldest": add("最老的", 1930),
        "middle": add("中间的", 1940),
        "young": add("年轻的", 1960),
        "no_consent": add("没同意", 1935, consent=False),
        "family": add("有家人", 1932, lives_alone=False),
    }
    session.commit()
    return people


def names(rows) -> list[str]:
    return [row.resident.name for row in rows]


def test_nobody_before_the_check_time_then_oldest_first(session, demo_community, alone, frozen):
    # 09:00 in Hangzhou is 01:00 UTC; the demo community's check time is 10:00.
    frozen.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    frozen.advance()
    assert care_list(session, demo_community) == []
    frozen.advance(hours=1, minutes=1)  # 10:01 local
    listed = [n for n in names(care_list(session, demo_community)) if n in {"最老的", "中间的", "年轻的"}]
    assert listed == ["最老的", "中间的", "年轻的"]
    everyone = names(care_list(session, demo_community))
    assert "没同意" not in everyone  # consent withdrawn: not kept, not listed
    assert "有家人" not in everyone


def test_check_in_or_any_use_takes_people_off_the_list(session, demo_community, alone, frozen):
    frozen.now = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # 08:30 local
    frozen.advance()
    check_in(session, SYSTEM, alone["oldest"], "kiosk:1")
    check_in(session, SYSTEM, alone["oldest"], "kiosk:1")  # twice the same day: one check-in

    session.add(
        KioskVisit(kiosk_id=demo_community_kiosk(session, demo_community), resident_id=alone["middle"].id)
    )
    session.commit()
    frozen.advance(hours=3)  # 11:30 local
    listed = names(care_list(session, demo_community))
    assert "最老的" not in listed
    assert "中间的" not in listed
    assert "年轻的" in listed
    # A phone sign-in counts as using Linli too.
    record(
        session,
        Actor(type="resident", id=alone["young"].id),
        "resident.sign_in",
        "resident",
        alone["young"].id,
    )
    session.commit()
    assert "年轻的" not in names(care_list(session, demo_community))


def test_yesterdays_check_in_does_not_count_today(session, demo_community, alone, frozen):
    frozen.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 local on the 30th
    frozen.advance()
    check_in(session, SYSTEM, alone["oldest"], "phone")
    session.commit()
    assert "最老的" not in names(care_list(session, demo_community))
    frozen.advance(days=1)
    assert "最老的" in names(care_list(session, demo_community))


def test_staff_actions_are_shown_and_audited(session, demo_community, alone, frozen):
    frozen.now = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    frozen.advance()
    staff = Actor(type="staff", id=None, name="陈静")
    record_care_action(session, staff, alone["oldest"], CareOutcome.CALLED, "no answer")
    session.commit()
    rows = {row.resident.name: row for row in care_list(session, demo_community)}
    assert rows["最老的"].action.outcome == CareOutcome.CALLED
    assert rows["中间的"].action is None


def test_community_check_time_is_configurable(session, demo_community, alone, frozen):
    demo_community.care_check_time = "07:30"
    session.commit()
    frozen.now = datetime(2026, 11, 29, 23, 45, tzinfo=UTC)  # 07:45 local on the 30th
    frozen.advance()
    assert "最老的" in names(care_list(session, demo_community))


def demo_community_kiosk(session, community) -> int:
    from sqlalchemy import select

    from webapp.models import Kiosk

    return session.scalar(select(Kiosk.id).where(Kiosk.community_id == community.id))
