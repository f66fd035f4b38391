"""The resident register: validation in words, sealed numbers, consent, audited views and reveals, cards."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD, VAULT, csrf_token
from tests.unit.test_qr import decode
from webapp.domain.identity.cards import card_for_token
from webapp.models import AuditEntry, ConsentKind, Resident, Role

VALID_ID = "11010519491231002X"


@pytest.fixture
def worker(client, auth, make_staff):
    make_staff("worker2", Role.COMMUNITY_WORKER)
    auth.sign_in("worker2")
    client.set_cookie("linli_locale", "en")


def add(client, **fields):
    data = {"csrf_token": csrf_token(client, "/staff/residents/new"), "name": "测试居民", "household_id": ""}
    data.update(fields)
    return client.post("/staff/residents/new", data=data)


def test_bad_id_number_is_explained_and_the_form_keeps_its_values(client, worker):
    response = add(client, name="张三丰", id_number="110105194912310022", phone="13800138000")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This ID number is not valid. Please check each digit." in body
    assert 'value="张三丰"' in body
    assert 'value="13800138000"' in body


def test_numbers_are_sealed_masked_and_searchable_by_last_four(client, worker, session):
    response = add(client, name="张三丰", id_number=VALID_ID.lower(), phone="+86 138 0013 8000")
    assert response.status_code == 303
    resident = session.scalar(select(Resident).where(Resident.name == "张三丰"))
    assert VALID_ID.encode() not in resident.id_number_cipher
    assert resident.id_number_index == VAULT.index("id_number", VALID_ID)
    assert VAULT.decrypt("phone", resident.phone_cipher) == "13800138000"
    page = client.get(f"/staff/residents/{resident.id}").get_data(as_text=True)
    assert "**************002X" in page
    assert "*******8000" in page
    assert VALID_ID not in page
    assert "13800138000" not in page
    assert "张三丰" in client.get("/staff/residents?q=8000").get_data(as_text=True)
    assert "张三丰" in client.get("/staff/residents?q=002x").get_data(as_text=True)
    duplicate = add(client, name="李四", id_number=VALID_ID)
    assert "Another resident already has this ID number." in duplicate.get_data(as_text=True)


def test_sensitive_facts_need_recorded_consent(client, worker, session):
    refused = add(client, name="独居老人", lives_alone="y")
    assert refused.status_code == 400
    assert "Record the resident&#39;s consent before keeping this." in refused.get_data(as_text=True)
    accepted = add(client, name="独居老人", lives_alone="y", consent_lives_alone="y")
    assert accepted.status_code == 303
    resident = session.scalar(select(Resident).where(Resident.name == "独居老人"))
    assert resident.lives_alone
    assert [c.kind for c in resident.consents] == [ConsentKind.LIVES_ALONE]
    assert resident.consents[0].recorded_by_id is not None
    six_years_old = (date.today() - timedelta(days=6 * 365)).isoformat()  # a child on any day this runs
    child = add(client, name="小朋友", birth_date=six_years_old, consent_age="y")
    assert "a guardian gives consent" in child.get_data(as_text=True)
    token = csrf_token(client, f"/staff/residents/{resident.id}")
    client.post(f"/staff/residents/{resident.id}/consents/lives_alone/withdraw", data={"csrf_token": token})
    session.refresh(resident)
    assert resident.lives_alone is False


def test_viewing_and_revealing_are_audited(client, worker, session, demo_community):
    resident = session.scalar(select(Resident).where(Resident.community_id == demo_community.id))
    client.get(f"/staff/residents/{resident.id}")
    token = csrf_token(client, f"/staff/residents/{resident.id}")
    wrong = client.post(
        f"/staff/residents/{resident.id}/reveal",
        data={"csrf_token": token, "what": "phone", "password": "nope"},
    )
    assert wrong.status_code == 403
    full = VAULT.decrypt("phone", resident.phone_cipher)
    assert full not in wrong.get_data(as_text=True)
    right = client.post(
        f"/staff/residents/{resident.id}/reveal",
        data={"csrf_token": token, "what": "phone", "password": DEMO_PASSWORD},
    )
    assert full in right.get_data(as_text=True)
    assert right.headers["Cache-Control"] == "no-store"
    entries = session.scalars(select(AuditEntry).where(AuditEntry.subject_id == resident.id)).all()
    actions = [(e.action, e.result, e.actor_name) for e in entries]
    assert ("resident.view", "ok", "Tester worker2") in actions
    assert ("reveal.phone", "denied", "Tester worker2") in actions
    assert ("reveal.phone", "ok", "Tester worker2") in actions


def test_card_sheet_qr_decodes_to_a_working_card(client, worker, session, demo_community):
    residents = session.scalars(
        select(Resident).where(Resident.community_id == demo_community.id).limit(9)
    ).all()
    token = csrf_token(client, "/staff/cards")
    response = client.post(
        "/staff/cards/print", data={"csrf_token": token, "resident": [str(r.id) for r in residents]}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert html.count('class="card-sheet"') == 2  # 9 cards: 8 on the first A4 sheet, 1 on the second
    svgs = re.findall(r"<svg class=\"qr\".*?</svg>", html)
    assert len(svgs) == 9
    urls = [decode(svg)[0] for svg in svgs]
    for resident, url in zip(residents, urls, strict=True):
        assert url.startswith("http://127.0.0.1:5000/c/")
        assert card_for_token(session, url.rsplit("/", 1)[1]).resident_id == resident.id
        assert resident.name in html


def test_volunteer_helps_set_a_pin_with_the_card(client, auth, make_staff, session, make_resident):
    from webapp.domain.identity.cards import issue_card
    from webapp.domain.privacy.audit import SYSTEM

    person = make_resident("周阿姨", age=79)
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    make_staff("helper", Role.VOLUNTEER)
    auth.sign_in("helper")
    client.set_cookie("linli_locale", "en")
    token = csrf_token(client, "/staff/pin")
    mismatch = client.post(
        "/staff/pin",
        data={"csrf_token": token, "card": issued.url("http://x"), "pin": "482915", "pin_again": "482916"},
    )
    assert "The two PINs are not the same." in mismatch.get_data(as_text=True)
    done = client.post(
        "/staff/pin",
        data={"csrf_token": token, "card": issued.url("http://x"), "pin": "482915", "pin_again": "482915"},
    )
    assert done.status_code == 303
    session.refresh(person)
    assert person.pin_hash
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "pin.set", AuditEntry.subject_id == person.id)
    )
    assert entry.actor_name == "Tester helper"
    assert entry.on_behalf_of_id == person.id


def test_audit_rows_cannot_be_changed(session, app):
    from sqlalchemy import text

    from webapp.models.privacy import AppendOnlyError

    entry = session.scalar(select(AuditEntry))
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    with pytest.raises(Exception, match="append-only"):
        session.execute(text("UPDATE audit_entry SET action = 'x'"))
    session.rollback()
    with pytest.raises(Exception, match="append-only"):
        session.execute(text("DELETE FROM audit_entry"))
    session.rollback()
