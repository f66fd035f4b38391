"""A resident on their phone: card link + PIN, step-up for personal data, export, deletion, hand-off."""

import json
import re

import pytest
from sqlalchemy import select

from tests.conftest import DEMO_PIN, csrf_token
from webapp.domain.identity.cards import issue_card, revoke_all_cards
from webapp.domain.identity.handoff import create_handoff
from webapp.domain.identity.pins import set_pin
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.register.residents import ID_KIND, PHONE_KIND
from webapp.models import AuditEntry, DeletionRequest, DeletionStatus, Resident, Role


@pytest.fixture
def person(make_resident, session):
    resident = make_resident("陈阿婆", age=86)
    set_pin(session, SYSTEM, resident, "482915")
    vault = Vault.from_master(bytes(range(32)))
    resident.id_number_cipher = vault.encrypt(ID_KIND, "11010519491231002X")
    resident.id_number_last4 = "002X"
    resident.phone_cipher = vault.encrypt(PHONE_KIND, "13800138000")
    resident.phone_last4 = "8000"
    session.commit()
    return resident


@pytest.fixture
def card(session, person):
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    return issued


def enter_pin(client, pin):
    return client.post("/c", data={"csrf_token": csrf_token(client, "/c"), "pin": pin})


def test_card_link_then_pin_signs_in(client, card):
    client.set_cookie("linli_locale", "en")
    landing = client.get(f"/c/{card.token}")
    assert landing.status_code == 303
    assert landing.headers["Location"] == "/c"
    page = client.get("/c").get_data(as_text=True)
    assert "陈阿婆, please enter your PIN" in page
    assert card.token not in page
    wrong = enter_pin(client, "000001")
    assert wrong.status_code == 401
    assert "You can try 4 more times." in wrong.get_data(as_text=True)
    right = enter_pin(client, "482915")
    assert right.status_code == 303
    assert right.headers["Location"] == "/me"
    me = client.get("/me")
    assert "陈阿婆" in me.get_data(as_text=True)
    assert me.headers["Cache-Control"] == "no-store"


def test_a_card_alone_opens_nothing(client, card):
    client.get(f"/c/{card.token}")
    assert client.get("/me").status_code == 302
    assert client.get("/me/data").status_code == 302


def test_revoked_or_unknown_card_is_explained(client, session, card, person):
    client.set_cookie("linli_locale", "en")
    unknown = client.get("/c/this-is-not-a-card-token-at-all")
    assert unknown.status_code == 404
    assert "We do not know this card" in unknown.get_data(as_text=True)
    revoke_all_cards(session, SYSTEM, person)
    session.commit()
    revoked = client.get(f"/c/{card.token}")
    assert revoked.status_code == 410
    assert "This card no longer works" in revoked.get_data(as_text=True)


def test_revoking_the_card_ends_phone_sessions(client, session, card, person):
    client.get(f"/c/{card.token}")
    enter_pin(client, "482915")
    assert client.get("/me").status_code == 200
    revoke_all_cards(session, SYSTEM, person)
    session.commit()
    assert client.get("/me").status_code == 302


def test_personal_data_needs_a_fresh_pin(client, card, frozen):
    client.get(f"/c/{card.token}")
    enter_pin(client, "482915")
    data = client.get("/me/data").get_data(as_text=True)
    assert "**************002X" in data
    assert "*******8000" in data
    assert "13800138000" not in data
    frozen.advance(minutes=11)
    again = client.get("/me/data")
    assert again.status_code == 302
    assert again.headers["Location"].startswith("/me/verify")
    verify = client.post(
        "/me/verify?next=/me/data", data={"csrf_token": csrf_token(client, "/me/verify"), "pin": "482915"}
    )
    assert verify.headers["Location"] == "/me/data"
    assert client.get("/me/data").status_code == 200


def test_export_and_deletion_request_then_staff_confirm(client, app, session, card, person, auth, make_staff):
    client.get(f"/c/{card.token}")
    enter_pin(client, "482915")
    exported = client.get("/me/data.json")
    data = json.loads(exported.get_data(as_text=True))
    assert data["name"] == "陈阿婆"
    assert data["id_number"] == "**************002X"  # masked even in the export
    assert "13800138000" not in exported.get_data(as_text=True)
    assert exported.headers["Cache-Control"] == "no-store"
    client.post("/me/deletion", data={"csrf_token": csrf_token(client, "/me/data")})
    request = session.scalar(select(DeletionRequest).where(DeletionRequest.resident_id == person.id))
    assert request.status == DeletionStatus.REQUESTED

    staff = app.test_client()
    from tests.conftest import Auth

    make_staff("boss", Role.ADMIN)
    Auth(staff).sign_in("boss")
    assert "陈阿婆" in staff.get("/staff/deletions").get_data(as_text=True)
    staff.post(
        f"/staff/deletions/{request.id}/confirm", data={"csrf_token": csrf_token(staff, "/staff/deletions")}
    )
    session.expire_all()
    erased = session.get(Resident, person.id)
    assert erased.erased_at is not None
    assert erased.name == ""
    assert erased.id_number_cipher is None
    assert erased.phone_cipher is None
    assert erased.pin_hash is None
    assert client.get("/me").status_code == 302  # the phone session ended
    actions = {
        e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.subject_id == person.id))
    }
    assert {"resident.export", "deletion.request", "deletion.confirm", "resident.erase"} <= actions


def test_handoff_link_signs_in_once(client, app, session, person):
    token = create_handoff(session, SYSTEM, person)
    session.commit()
    first = client.get(f"/h/{token}")
    assert first.headers["Location"] == "/me"
    assert "陈阿婆" in client.get("/me").get_data(as_text=True)
    other_phone = app.test_client()
    assert other_phone.get(f"/h/{token}").status_code == 410


def test_passkey_endpoints_refuse_garbage_in_words(client, card):
    client.set_cookie("linli_locale", "en")
    token = csrf_token(client, "/sign-in")
    headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
    no_challenge = client.post("/sign-in/passkey", data="{}", headers=headers)
    assert no_challenge.status_code == 400
    options = client.post("/sign-in/passkey/options", data="{}", headers=headers)
    assert json.loads(options.get_data(as_text=True))["challenge"]
    garbage = client.post("/sign-in/passkey", data='{"id": "x"}', headers=headers)
    assert garbage.status_code == 401
    assert "Please use your card" in garbage.get_json()["message"]


def test_demo_pin_works_for_demo_residents(client, session, demo_community):
    someone = session.scalar(select(Resident).where(Resident.community_id == demo_community.id))
    issued = issue_card(session, SYSTEM, someone)
    session.commit()
    client.get(f"/c/{issued.token}")
    assert enter_pin(client, DEMO_PIN).status_code == 303
    assert re.search(someone.name, client.get("/me").get_data(as_text=True))
