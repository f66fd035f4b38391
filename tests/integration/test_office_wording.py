"""Wording an office edits (issue 16 item 7): the office's own text for a kind of message, saved in the
console, is what reaches the resident through the SMS gateway (the development file gateway); a text with a
placeholder the kind does not have, or without one it must carry, is refused with the form kept; a preview
fills the placeholders in and warns of a second SMS; "back to the default" restores the product's words."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import VAULT, csrf_token, once_per_test, refused_in_words
from tests.integration.test_outbox_end_to_end import deliver_all, last_id, service, sms_file  # noqa: F401
from webapp.domain.desk.tickets import change_status, submit
from webapp.domain.messages.wording import check
from webapp.domain.privacy.audit import Actor
from webapp.models import AuditEntry, MessageWording, Status

OWN = "%(name)s您好：报修单 %(number)s 现在%(state)s。社区办公室"


def page(client, community_id: int, locale: str = "zh_Hans") -> str:
    return f"/staff/settings/wording?community={community_id}&locale={locale}"


def test_the_office_wording_reaches_the_resident_by_sms(
    app,
    client,
    auth,
    session,
    demo_community,
    make_resident,
    sms_file,  # noqa: F811
    frozen,  # 17:00 in Shanghai: outside the default quiet hours, which would hold the SMS until 08:00
):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    url = page(client, demo_community.id)
    token = csrf_token(client, url)
    saved = client.post(
        url, data={"csrf_token": token, "kind": "ticket_status", "text": OWN, "action": "save"}
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "wording.set")).one()
    assert entry.community_id == demo_community.id
    person = make_resident(
        "王秀英", age=80, preferred_locale="zh_Hans", phone_cipher=VAULT.encrypt("phone", "13900139001")
    )
    before = last_id(session)
    ticket = submit(
        session,
        Actor(type="resident", id=person.id),
        person,
        service(session, demo_community, "repair-lift"),
        {"urgent": "no"},
        "phone",
        household_id=person.household_id,
    ).request
    change_status(session, Actor(type="staff", id=None, name="Office"), ticket, Status.ACCEPTED)
    assert deliver_all(app, session, before) == ["delivered"]
    (sms,) = sms_file()
    assert sms["text"] == f"秀英您好：报修单 {ticket.number} 现在已接单。社区办公室", sms["text"]


def test_a_bad_placeholder_is_refused_with_the_form_kept(client, auth, session, demo_community):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    url = page(client, demo_community.id, "en")
    token = csrf_token(client, url)
    typed = "Dear %(name)s, call %(phone)s about %(number)s: %(state)s"
    bad = client.post(
        url, data={"csrf_token": token, "kind": "ticket_status", "text": typed, "action": "save"}
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "cannot use %(phone)s" in text
    assert "call %(phone)s about" in text  # what was typed is kept
    missing = client.post(
        url,
        data={"csrf_token": token, "kind": "escalated", "text": "A request is overdue.", "action": "save"},
    )
    assert missing.status_code == 400
    assert "must say %(number)s" in missing.get_data(as_text=True)
    mistyped = client.post(
        url,
        data={
            "csrf_token": token,
            "kind": "escalated",
            "text": "Request %(number) is late",
            "action": "save",
        },
    )
    assert mistyped.status_code == 400
    assert session.scalars(select(MessageWording)).all() == []


def test_preview_warns_of_a_second_sms_and_reset_restores_the_default(client, auth, session, demo_community):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    url = page(client, demo_community.id, "en")
    token = csrf_token(client, url)
    long_text = "Hello %(name)s, the community office has news about your appointment: please come tomorrow."
    preview = client.post(
        url, data={"csrf_token": token, "kind": "reminder", "text": long_text, "action": "preview"}
    )
    assert preview.status_code == 200
    shown = preview.get_data(as_text=True)
    assert "Hello 秀英, the community office" in shown
    assert "Longer than one SMS" in shown
    assert session.scalars(select(MessageWording)).all() == []  # a preview keeps nothing
    client.post(url, data={"csrf_token": token, "kind": "reminder", "text": long_text, "action": "save"})
    assert session.scalars(select(MessageWording.text)).all() == [long_text]
    reset = client.post(
        f"/staff/settings/wording/reset?community={demo_community.id}&locale=en",
        data={"csrf_token": token, "kind": "reminder"},
    )
    assert reset.status_code == 303
    assert session.scalars(select(MessageWording)).all() == []
    assert "your appointment is within a day" in client.get(url).get_data(as_text=True)


def test_a_worker_may_not_change_the_wording(client, auth, demo_community, make_staff):
    from webapp.models import Role

    make_staff("worker1", Role.COMMUNITY_WORKER)
    auth.sign_in("worker1")
    assert client.get(page(client, demo_community.id)).status_code == 403


@pytest.fixture
def admin_client(client, auth):
    auth.sign_in("admin")
    return client


def wordings(session) -> dict[tuple[int, str, str], str]:
    session.expire_all()
    return {(w.community_id, w.kind, w.locale): w.text for w in session.scalars(select(MessageWording))}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["ticket_status", "escalated", "care_alert", "nope", ""]),
    text=st.text(max_size=600),
    locale=st.sampled_from(["zh_Hans", "en", "xx", ""]),
    action=st.sampled_from(["save", "preview", ""]),
)
def test_the_wording_form_never_fails_on_any_input(
    admin_client, session, demo_community, kind, text, locale, action
):
    client = admin_client
    if once_per_test(session):  # once per test: the office's own words, through the same path
        url = page(client, demo_community.id)
        saved = client.post(
            url,
            data={
                "csrf_token": csrf_token(client, url),
                "kind": "ticket_status",
                "text": OWN,
                "action": "save",
            },
        )
        assert saved.status_code == 303, saved.status_code
        assert saved.headers["Location"] == f"{url}#ticket_status"
        assert wordings(session)[(demo_community.id, "ticket_status", "zh_Hans")] == OWN
    url = f"/staff/settings/wording?community={demo_community.id}&locale={locale}"
    token = csrf_token(client, url)
    before = wordings(session)
    answer = client.post(url, data={"csrf_token": token, "kind": kind, "text": text, "action": action})
    after = wordings(session)
    if answer.status_code == 303:  # saved: the text checked (stripped) under this kind and language
        assert action != "preview"
        kept = locale if locale in ("zh_Hans", "en") else "zh_Hans"
        assert after == {**before, (demo_community.id, kind, kept): check(kind, text).text}
    elif answer.status_code == 200:  # a preview: shown, nothing kept
        assert action == "preview"
        assert after == before
    else:
        assert answer.status_code == 400, (kind, text, locale, action)
        assert refused_in_words(answer), (kind, locale, action)
        assert after == before
