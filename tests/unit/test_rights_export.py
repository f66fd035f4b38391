"""The resident's copy of their data (PIPL art. 45) holds everything Linli keeps about them, not only the
profile; staff-internal ticket notes stay out, as on the resident's own timeline."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.conftest import VAULT
from webapp.domain.desk.tickets import add_note
from webapp.domain.privacy.audit import Actor
from webapp.domain.privacy.rights import export
from webapp.models import Certificate, Resident, Ticket

STAFF = Actor(type="staff", name="Tester", role="community_worker", channel="test")


def sample(session) -> Resident:
    """The demo's sample resident: the one with a certificate (and tickets, skills, sign-ups)."""
    resident = session.scalar(select(Resident).join(Certificate, Certificate.resident_id == Resident.id))
    assert resident is not None
    return resident


def test_export_has_every_part_of_the_residents_activity(session):
    resident = sample(session)
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == resident.id))
    assert ticket is not None
    add_note(session, STAFF, ticket, "internal: neighbour at 302 complains often", public=False)
    add_note(session, STAFF, ticket, "The plumber comes on Tuesday.", public=True)
    data = export(session, VAULT, resident)
    text = json.dumps(data, ensure_ascii=False)
    for part in ("requests", "skills", "certificates", "classes"):
        assert data[part], f"{part} is empty for the demo's sample resident"
    numbers = [r["number"] for r in data["requests"]]
    assert ticket.number in numbers
    assert "The plumber comes on Tuesday." in text
    assert "neighbour at 302" not in text
    for part in (
        "appointments",
        "event_sign_ups",
        "notices_read",
        "time_bank",
        "hour_claims",
        "kiosk_visits",
    ):
        assert isinstance(data[part], list)
