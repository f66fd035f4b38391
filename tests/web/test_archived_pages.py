"""Residents and kiosks of an archived community get a translated message and a 4xx for anything new, while
what is there stays readable (the rule is the core's: tests/unit/test_archived_community.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.web.test_kiosk_pages import identify
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.register.setup import set_archived
from webapp.models import CheckIn


def test_a_kiosk_of_an_archived_community_says_so_and_records_nothing(
    kiosk_client, session, demo_community, make_resident
):
    person = make_resident("李奶奶", age=90)
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    identify(kiosk_client, issued.url("https://linli.example"))
    token = csrf_token(kiosk_client, "/kiosk/home")
    set_archived(session, SYSTEM, demo_community, True)
    session.commit()
    refused = kiosk_client.post("/kiosk/checkin", data={"csrf_token": token})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "本社区已停用" in page  # in the kiosk's language (Simplified Chinese)
    assert session.scalar(select(func.count(CheckIn.id)).where(CheckIn.resident_id == person.id)) == 0
    assert kiosk_client.get("/kiosk/home").status_code == 200  # reading still works


def test_a_phone_of_an_archived_community_reads_but_starts_nothing(
    signed_in_phone, session, demo_community, make_resident
):
    person = make_resident("王大爷", age=80)
    phone = signed_in_phone(person)
    set_archived(session, SYSTEM, demo_community, True)
    session.commit()
    token = csrf_token(phone, "/me")
    refused = phone.post("/checkin", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "nothing new can be started" in refused.get_data(as_text=True)
    json_refused = phone.post("/checkin", json={}, headers={"X-CSRFToken": token})
    assert json_refused.status_code == 409
    assert phone.get("/me").status_code == 200
