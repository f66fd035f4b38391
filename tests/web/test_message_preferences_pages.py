"""Message preferences (issue 17): a resident chooses text messages and quiet hours on the phone; staff do it
at the office only with the resident's consent (audited); bad hours are refused in words, the form kept."""

from __future__ import annotations

from sqlalchemy import select

from tests.web.conftest import csrf_token
from webapp.models import AuditEntry, MessagePreference, Resident


def test_a_resident_turns_text_messages_off_and_sets_quiet_hours(signed_in_phone, session, make_resident):
    resident_id = make_resident("钱奶奶").id
    client = signed_in_phone(session.get(Resident, resident_id))
    page = client.get("/me/messages", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert 'value="21:00"' in page.get_data(as_text=True)  # the default quiet hours
    token = csrf_token(client, "/me/messages")
    bad = client.post(
        "/me/messages", data={"csrf_token": token, "quiet_start": "25:00", "quiet_end": "07:00"}
    )
    assert bad.status_code == 400
    assert "for example 21:00" in bad.get_data(as_text=True)
    assert 'value="07:00"' in bad.get_data(as_text=True)  # the form keeps what was typed
    saved = client.post(
        "/me/messages", data={"csrf_token": token, "quiet_start": "20:00", "quiet_end": "09:00"}
    )
    assert saved.status_code == 303
    pref = session.scalar(select(MessagePreference).where(MessagePreference.resident_id == resident_id))
    assert (pref.channels, pref.quiet_start, pref.quiet_end, pref.set_by_staff_id) == (
        "",
        20 * 60,
        9 * 60,
        None,
    )


def test_staff_set_preferences_at_the_office_only_with_consent(client, auth, session, make_resident):
    person = make_resident("赵大爷")
    auth.sign_in("worker")
    url = f"/staff/residents/{person.id}/messages"
    token = csrf_token(client, url)
    form = {"csrf_token": token, "sms": "y", "quiet_start": "22:00", "quiet_end": "07:30"}
    refused = client.post(url, data=form)
    assert refused.status_code == 400
    assert session.scalar(select(MessagePreference).where(MessagePreference.resident_id == person.id)) is None
    agreed = client.post(url, data={**form, "consent": "y"})
    assert agreed.status_code == 303
    pref = session.scalar(select(MessagePreference).where(MessagePreference.resident_id == person.id))
    assert (pref.channels, pref.quiet_start, pref.quiet_end) == ("sms", 22 * 60, 7 * 60 + 30)
    assert pref.set_by_staff_id is not None
    assert session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "messages.preferences_set", AuditEntry.subject_id == person.id
        )
    )
