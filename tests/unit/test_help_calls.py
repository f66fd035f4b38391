"""Help-call rules without HTTP: the roster's hours (a night shift past midnight), the contacts' limits and
sealing, and a resident's erasure and data export covering their contacts and daily check-in (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.conftest import VAULT
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.privacy.rights import export
from webapp.domain.register.residents import erase
from webapp.domain.safety import checkin, roster
from webapp.domain.safety.contacts import ContactError, add_contact
from webapp.models import CheckinPlan, EmergencyContact


def test_a_night_shift_covers_the_small_hours_of_the_next_day(session, demo_community):
    for line in roster.roster(session, demo_community.id):
        session.delete(line)
    night = roster.add_entry(
        session, VAULT, SYSTEM, demo_community, "guard", "夜班", "13800000009", [4], "22:00", "06:00"
    )
    # Friday 23:00 and Saturday 05:59 in Hangzhou are Friday's night; Saturday 22:00 is not (Friday only).
    friday_late = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    saturday_dawn = datetime(2026, 12, 4, 21, 59, tzinfo=UTC)
    saturday_late = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
    assert roster.on_duty(session, demo_community, friday_late) == [night]
    assert roster.on_duty(session, demo_community, saturday_dawn) == [night]
    assert roster.on_duty(session, demo_community, saturday_late) == []


@pytest.mark.parametrize(
    ("name", "relation", "phone", "reason"),
    [
        ("", "女儿", "13900001234", "name"),
        ("李红", "", "13900001234", "relation"),
        ("李红", "女儿", "12", "phone"),
    ],
)
def test_a_contact_needs_a_name_a_relation_and_a_mobile_number(
    session, make_resident, name, relation, phone, reason
):
    person = make_resident()
    with pytest.raises(ContactError) as refused:
        add_contact(session, VAULT, SYSTEM, person, name, relation, phone)
    assert refused.value.reason == reason


def test_five_contacts_at_most_and_every_number_sealed(session, make_resident):
    person = make_resident()
    for i in range(5):
        add_contact(session, VAULT, SYSTEM, person, f"联系人{i}", "邻居", f"1390000100{i}")
    with pytest.raises(ContactError) as refused:
        add_contact(session, VAULT, SYSTEM, person, "第六位", "邻居", "13900001009")
    assert refused.value.reason == "too_many"
    rows = session.scalars(select(EmergencyContact).where(EmergencyContact.resident_id == person.id)).all()
    assert all(b"1390000100" not in row.phone_cipher for row in rows)
    assert VAULT.decrypt("phone", rows[0].phone_cipher) == "13900001000"


def test_export_shows_contacts_masked_and_erasure_removes_them(session, make_resident):
    person = make_resident(lives_alone=True)
    add_contact(session, VAULT, SYSTEM, person, "李红", "女儿", "13900001234")
    checkin.set_plan(session, SYSTEM, person, "09:30", consent=True)
    data = export(session, VAULT, person)
    assert data["emergency_contacts"] == [{"name": "李红", "relation": "女儿", "mobile": "*******1234"}]
    assert data["daily_check_in"]["by"] == "09:30"
    erase(session, SYSTEM, person)
    assert session.scalar(select(EmergencyContact).where(EmergencyContact.resident_id == person.id)) is None
    assert session.scalar(select(CheckinPlan).where(CheckinPlan.resident_id == person.id)) is None


def test_a_daily_check_in_needs_consent_and_someone_living_alone(session, make_resident):
    alone, with_family = make_resident(lives_alone=True), make_resident("陈伯", lives_alone=False)
    with pytest.raises(checkin.PlanError) as refused:
        checkin.set_plan(session, SYSTEM, alone, "10:00", consent=False)
    assert refused.value.reason == "consent"
    with pytest.raises(checkin.PlanError) as refused:
        checkin.set_plan(session, SYSTEM, with_family, "10:00", consent=True)
    assert refused.value.reason == "not_alone"
    with pytest.raises(checkin.PlanError):
        checkin.set_plan(session, SYSTEM, alone, "25:00", consent=True)
