"""Help calls, the duty roster and emergency contacts through every face (issue 18): the kiosk's button with
and without a card, the acknowledge link, the phone, the console's roster, open calls and contacts."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import VAULT, csrf_token
from tests.web.conftest import PIN_OF_PERSON
from webapp.domain.identity.cards import issue_card
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.safety import calls
from webapp.models import AuditEntry, DutyEntry, EmergencyContact, HelpCall, Kiosk, OutboxMessage, Role


def raise_at_kiosk(client):
    return client.post("/kiosk/help/call", data={"csrf_token": csrf_token(client, "/kiosk/help")})


def test_the_attract_screen_calls_for_help_without_a_card(kiosk_client, session, demo_community):
    client = kiosk_client
    client.set_cookie("linli_locale", "en")
    attract = client.get("/kiosk/").get_data(as_text=True)
    assert 'href="/kiosk/help"' in attract
    help_page = client.get("/kiosk/help").get_data(as_text=True)
    assert help_page.index("120 (ambulance)") < help_page.index("Yes, alert the person on duty now")
    answer = raise_at_kiosk(client)
    assert answer.status_code == 303
    call = session.scalar(select(HelpCall).order_by(HelpCall.id.desc()))
    kiosk = session.scalar(select(Kiosk).where(Kiosk.community_id == demo_community.id))
    assert (call.source, call.resident_id, call.place) == ("attract", None, kiosk.place)
    alerted = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "help_call")).all()
    guard = session.scalar(select(DutyEntry).where(DutyEntry.kind == "guard"))
    assert [(m.recipient_kind, m.recipient_id, m.alert) for m in alerted if m.recipient_kind == "duty"] == [
        ("duty", guard.id, True)
    ]
    waiting = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "We have told the person on duty (门卫室 老李). Please wait." in waiting
    assert client.get(f"/kiosk/help/call/{call.id}/state").get_json() == {"state": "wait-0"}
    assert raise_at_kiosk(client).headers["Location"] == answer.headers["Location"]  # a second tap: same call

    # The guard opens the link from the text message and says they are coming.
    ack = f"/help/{calls.ack_token(VAULT, call.id)}"
    guard_phone = kiosk_client.application.test_client()
    guard_phone.set_cookie("linli_locale", "en")
    page = guard_phone.get(ack)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    refused = guard_phone.post(ack, data={"csrf_token": csrf_token(guard_phone, ack), "name": "  "})
    assert refused.status_code == 400
    assert "Please write your name" in refused.get_data(as_text=True)
    guard_phone.post(ack, data={"csrf_token": csrf_token(guard_phone, ack), "name": "老李"})

    assert client.get(f"/kiosk/help/call/{call.id}/state").get_json() == {"state": "ack"}
    shown = client.get(f"/kiosk/help/call/{call.id}").get_data(as_text=True)
    assert "老李 is on the way." in shown
    assert "Acknowledged at" in shown
    # Another browser (the next person at this kiosk, or anyone) does not see this call.
    assert kiosk_client.application.test_client().get(f"/kiosk/help/call/{call.id}").status_code != 200


def test_a_resident_at_the_kiosk_is_named_and_staff_see_more_on_the_link(
    kiosk_client, client, session, make_resident, auth, make_staff
):
    person = make_resident("王秀英", age=88)
    issued = issue_card(session, SYSTEM, person)
    from webapp.domain.safety.contacts import add_contact

    add_contact(session, VAULT, SYSTEM, person, "李红", "女儿", "13900001234")
    session.commit()
    kiosk_client.post(
        "/kiosk/identify",
        data={"csrf_token": csrf_token(kiosk_client, "/kiosk/"), "scan": issued.url("https://linli.example")},
    )
    assert 'href="/kiosk/help"' in kiosk_client.get("/kiosk/home").get_data(as_text=True)
    raise_at_kiosk(kiosk_client)
    call = session.scalar(select(HelpCall).where(HelpCall.resident_id == person.id))
    # The visit ended with the call: the screen shows the call, never the resident's home to the next person.
    assert kiosk_client.get("/kiosk/home").headers["Location"].endswith("/kiosk/")
    assert kiosk_client.get(f"/kiosk/help/call/{call.id}").status_code == 200
    assert call is not None
    assert call.source == "kiosk"
    message = session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "help_call", OutboxMessage.recipient_kind == "duty")
    )
    assert message.params["name"] == "秀英"
    assert "13900001234" not in str(message.params)
    assert "1234" in message.params["contacts"]

    ack = f"/help/{calls.ack_token(VAULT, call.id)}"
    anonymous = kiosk_client.application.test_client().get(ack).get_data(as_text=True)
    assert "13900001234" not in anonymous
    assert "王秀英" not in anonymous
    make_staff("helpdesk")
    auth.sign_in("helpdesk")
    staff_view = client.get(ack).get_data(as_text=True)
    assert "13900001234" in staff_view
    assert "王秀英" in staff_view
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "help_call.viewed")) is not None
    client.post(ack, data={"csrf_token": csrf_token(client, ack)})
    session.refresh(call)
    assert call.acknowledged_by_name == "Tester helpdesk"

    # Staff close it with an outcome, from the console's list of open calls; the dashboard counts it.
    assert "王秀英" in client.get("/staff/help-calls").get_data(as_text=True)
    client.set_cookie("linli_locale", "en")
    overview = client.get("/staff/").get_data(as_text=True)
    assert "Open help calls" in overview
    assert "1 call for help in the last 30 days" in overview
    token = csrf_token(client, "/staff/help-calls")
    client.post(f"/staff/help-calls/{call.id}/close", data={"csrf_token": token, "outcome": "helped"})
    session.refresh(call)
    assert call.outcome == "helped"
    assert call.closed_at is not None
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "help_call.closed")) is not None


def test_the_phone_calls_for_help_and_keeps_contacts_after_the_pin(phone, session, person):
    page = phone.get("/me/help").get_data(as_text=True)
    assert page.index("120") < page.index("Yes, alert the person on duty now")
    answer = phone.post("/me/help", data={"csrf_token": csrf_token(phone, "/me/help")})
    call = session.scalar(select(HelpCall).where(HelpCall.resident_id == person.id))
    assert call.source == "phone"
    assert answer.headers["Location"] == f"/me/help/{call.id}"
    assert "Please wait" in phone.get(f"/me/help/{call.id}").get_data(as_text=True)

    phone.post("/me/verify", data={"csrf_token": csrf_token(phone, "/me/verify"), "pin": PIN_OF_PERSON})
    bad = phone.post(
        "/me/contacts",
        data={
            "csrf_token": csrf_token(phone, "/me/contacts"),
            "name": "Li Hong",
            "relation": "Daughter",
            "phone": "123",
        },
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "11-digit mobile number" in text
    assert 'value="Li Hong"' in text
    phone.post(
        "/me/contacts",
        data={
            "csrf_token": csrf_token(phone, "/me/contacts"),
            "name": "Li Hong",
            "relation": "Daughter",
            "phone": "139 0013 4567",
        },
    )
    contact = session.scalar(select(EmergencyContact).where(EmergencyContact.resident_id == person.id))
    assert contact.phone_last4 == "4567"
    assert b"13900134567" not in contact.phone_cipher
    listed = phone.get("/me/contacts").get_data(as_text=True)
    assert "*******4567" in listed
    assert "13900134567" not in listed


def test_staff_edit_the_roster_and_contacts_with_consent(client, auth, make_staff, session, make_resident):
    make_staff("office", role=Role.ADMIN)
    auth.sign_in("office")
    client.set_cookie("linli_locale", "en")
    token = csrf_token(client, "/staff/roster")
    bad = client.post(
        "/staff/roster",
        data={
            "csrf_token": token,
            "kind": "guard",
            "name": "Night guard",
            "phone": "12",
            "weekdays": ["0"],
            "start": "22:00",
            "end": "06:00",
            "staff_user": "",
        },
    )
    assert bad.status_code == 400
    assert "11-digit mobile number" in bad.get_data(as_text=True)
    good = client.post(
        "/staff/roster",
        data={
            "csrf_token": token,
            "kind": "guard",
            "name": "Night guard",
            "phone": "13900005678",
            "weekdays": ["0", "1"],
            "start": "22:00",
            "end": "06:00",
            "staff_user": "",
        },
    )
    assert good.status_code == 303
    entry = session.scalar(select(DutyEntry).where(DutyEntry.name == "Night guard"))
    assert (entry.weekdays, entry.start_minute, entry.end_minute) == ("01", 22 * 60, 6 * 60)
    assert "*******5678" in client.get("/staff/roster").get_data(as_text=True)

    person = make_resident("陈阿婆", age=86)
    url = f"/staff/residents/{person.id}/contacts"
    data = {"csrf_token": csrf_token(client, url), "name": "陈明", "relation": "儿子", "phone": "13900007777"}
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    assert "tick this box" in refused.get_data(as_text=True)
    assert client.post(url, data={**data, "consent": "y"}).status_code == 303
    assert (
        session.scalar(select(EmergencyContact).where(EmergencyContact.resident_id == person.id)) is not None
    )
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "safety.contact_added")) is not None


def test_the_kiosk_keeps_contacts_behind_the_pin(kiosk_client, session, make_resident):
    from webapp.domain.identity.pins import set_pin

    person = make_resident("周阿姨", age=79)
    set_pin(session, SYSTEM, person, PIN_OF_PERSON)
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    kiosk_client.set_cookie("linli_locale", "en")
    kiosk_client.post(
        "/kiosk/identify",
        data={"csrf_token": csrf_token(kiosk_client, "/kiosk/"), "scan": issued.url("https://linli.example")},
    )
    first = kiosk_client.get("/kiosk/contacts").get_data(as_text=True)
    assert "Please enter your PIN" in first
    wrong = kiosk_client.post(
        "/kiosk/contacts", data={"csrf_token": csrf_token(kiosk_client, "/kiosk/contacts"), "pin": "000000"}
    )
    assert wrong.status_code == 401
    kiosk_client.post(
        "/kiosk/contacts",
        data={"csrf_token": csrf_token(kiosk_client, "/kiosk/contacts"), "pin": PIN_OF_PERSON},
    )
    token = csrf_token(kiosk_client, "/kiosk/contacts")
    bad = kiosk_client.post(
        "/kiosk/contacts", data={"csrf_token": token, "name": "周明", "relation": "", "phone": "13900002222"}
    )
    assert bad.status_code == 400
    assert 'value="周明"' in bad.get_data(as_text=True)
    kiosk_client.post(
        "/kiosk/contacts",
        data={"csrf_token": token, "name": "周明", "relation": "儿子", "phone": "13900002222"},
    )
    contact = session.scalar(select(EmergencyContact).where(EmergencyContact.resident_id == person.id))
    assert contact.relation == "儿子"
    assert "*******2222" in kiosk_client.get("/kiosk/contacts").get_data(as_text=True)


def test_the_daily_check_in_is_chosen_with_consent_on_the_phone_and_at_the_office(
    phone, client, auth, make_staff, session, person
):
    from webapp.models import CheckinPlan

    person.lives_alone = True
    session.commit()
    phone.post("/me/verify", data={"csrf_token": csrf_token(phone, "/me/verify"), "pin": PIN_OF_PERSON})
    token = csrf_token(phone, "/me/checkin-plan")
    refused = phone.post("/me/checkin-plan", data={"csrf_token": token, "deadline": "09:30"})
    assert refused.status_code == 400
    assert "Please tick this box to agree" in refused.get_data(as_text=True)
    phone.post("/me/checkin-plan", data={"csrf_token": token, "deadline": "09:30", "consent": "y"})
    plan = session.scalar(select(CheckinPlan).where(CheckinPlan.resident_id == person.id))
    assert plan.deadline_minute == 9 * 60 + 30

    make_staff("office2")
    auth.sign_in("office2")
    client.set_cookie("linli_locale", "en")
    url = f"/staff/residents/{person.id}/checkin-plan"
    token = csrf_token(client, url)
    bad = client.post(
        url,
        data={
            "csrf_token": token,
            "deadline": "10:00",
            "consent": "y",
            "away_from": "2026-12-10",
            "away_until": "2026-12-01",
        },
    )
    assert bad.status_code == 400
    assert "must not be before the first" in bad.get_data(as_text=True)
    client.post(
        url,
        data={
            "csrf_token": token,
            "deadline": "10:00",
            "consent": "y",
            "away_from": "2026-12-10",
            "away_until": "2026-12-20",
        },
    )
    session.refresh(plan)
    assert (plan.deadline_minute, str(plan.away_until)) == (600, "2026-12-20")
    assert plan.set_by_staff_id is not None
    client.post(url, data={"csrf_token": token, "stop": "1"})
    assert session.scalar(select(CheckinPlan).where(CheckinPlan.resident_id == person.id)) is None


def test_the_deliveries_page_names_the_roster_line_not_a_resident(kiosk_client, client, auth, make_staff):
    raise_at_kiosk(kiosk_client)
    make_staff("settings", role=Role.ADMIN)
    auth.sign_in("settings")
    page = client.get("/staff/deliveries").get_data(as_text=True)
    assert "门卫室 老李 · *******0101" in page
    assert "13900000101" not in page


def test_the_office_sets_the_minutes_before_the_next_person_and_a_wrong_number_keeps_the_form(
    client, auth, make_staff, session, demo_community
):
    make_staff("office", role=Role.ADMIN)
    auth.sign_in("office")
    client.set_cookie("linli_locale", "en")
    token = csrf_token(client, "/staff/roster")
    saved = client.post("/staff/roster/minutes", data={"csrf_token": token, "ack-minutes": "7"})
    assert saved.status_code == 303
    session.refresh(demo_community)
    assert demo_community.help_ack_minutes == 7
    audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "safety.ack_minutes_set")).all()
    assert [(a.actor_type, a.subject_id, a.detail["minutes"]) for a in audited] == [
        ("staff", demo_community.id, 7)
    ]
    assert 'value="7"' in client.get("/staff/roster").get_data(as_text=True)

    for typed, locale, words in (
        ("0", "en", "Please give a number of minutes between 1 and 30."),
        ("31", "en", "Please give a number of minutes between 1 and 30."),
        ("seven", "en", "Please give a number of minutes between 1 and 30."),
        ("十", "zh_Hans", "请填写1到30之间的分钟数。"),
        ("-1", "zh_Hant", "請填寫1到30之間的分鐘數。"),
    ):
        client.set_cookie("linli_locale", locale)
        refused = client.post("/staff/roster/minutes", data={"csrf_token": token, "ack-minutes": typed})
        assert refused.status_code == 400, typed
        page = refused.get_data(as_text=True)
        assert words in page, typed
        assert f'value="{typed}"' in page, typed  # what was typed stays in the field
        assert 'id="ack-minutes-error"' in page
        assert 'name="name"' in page  # the whole roster page, with its other form
    session.expire_all()
    assert session.get(type(demo_community), demo_community.id).help_ack_minutes == 7
    assert (
        len(session.scalars(select(AuditEntry).where(AuditEntry.action == "safety.ack_minutes_set")).all())
        == 1
    )


def removals(session) -> list[tuple[str, int | None, int | None, str | None]]:
    """The audit trail's contact removals: (actor type, actor id, resident, channel)."""
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "safety.contact_removed").order_by(AuditEntry.id)
    )
    return [(e.actor_type, e.actor_id, e.subject_id, e.channel) for e in entries]


def kept(session, contact: EmergencyContact) -> bool:
    """Is the contact's row still in the database?"""
    return session.scalar(select(EmergencyContact.id).where(EmergencyContact.id == contact.id)) is not None


def test_the_kiosk_removes_a_contact_only_behind_the_pin(kiosk_client, session, make_resident):
    from webapp.domain.identity.pins import set_pin
    from webapp.domain.safety.contacts import add_contact

    person = make_resident("周阿姨", age=79)
    neighbour = make_resident("张大爷", age=81)
    set_pin(session, SYSTEM, person, PIN_OF_PERSON)
    issued = issue_card(session, SYSTEM, person)
    son = add_contact(session, VAULT, SYSTEM, person, "周明", "儿子", "13900002222")
    theirs = add_contact(session, VAULT, SYSTEM, neighbour, "张强", "儿子", "13900003333")
    session.commit()
    kiosk_client.set_cookie("linli_locale", "en")
    kiosk_client.post(
        "/kiosk/identify",
        data={"csrf_token": csrf_token(kiosk_client, "/kiosk/"), "scan": issued.url("https://linli.example")},
    )
    token = csrf_token(kiosk_client, "/kiosk/home")
    early = kiosk_client.post(f"/kiosk/contacts/{son.id}/remove", data={"csrf_token": token})
    assert early.headers["Location"] == "/kiosk/contacts"
    assert "Please enter your PIN" in kiosk_client.get("/kiosk/contacts").get_data(as_text=True)
    assert kept(session, son)  # no PIN yet: nothing removed

    kiosk_client.post(
        "/kiosk/contacts",
        data={"csrf_token": csrf_token(kiosk_client, "/kiosk/contacts"), "pin": PIN_OF_PERSON},
    )
    token = csrf_token(kiosk_client, "/kiosk/contacts")
    kiosk_client.post(f"/kiosk/contacts/{theirs.id}/remove", data={"csrf_token": token})
    kiosk_client.post(f"/kiosk/contacts/{son.id}/remove", data={"csrf_token": token})
    assert kept(session, theirs)  # another resident's contact stays
    assert not kept(session, son)
    assert "周明" not in kiosk_client.get("/kiosk/contacts").get_data(as_text=True)
    kiosk = session.scalar(select(Kiosk).where(Kiosk.community_id == person.community_id))
    assert removals(session) == [("resident", person.id, person.id, f"kiosk:{kiosk.id}")]


def test_the_phone_removes_a_contact_after_a_fresh_pin(frozen, phone, session, person):
    from webapp.domain.safety.contacts import add_contact

    daughter = add_contact(session, VAULT, SYSTEM, person, "李红", "女儿", "13900001234")
    session.commit()
    frozen.advance(minutes=11)  # the PIN of the sign-in is no longer fresh
    stale = phone.post(f"/me/contacts/{daughter.id}/remove", data={"csrf_token": csrf_token(phone, "/me")})
    assert stale.headers["Location"].startswith("/me/verify")
    assert kept(session, daughter)
    assert removals(session) == []

    phone.post("/me/verify", data={"csrf_token": csrf_token(phone, "/me/verify"), "pin": PIN_OF_PERSON})
    done = phone.post(
        f"/me/contacts/{daughter.id}/remove", data={"csrf_token": csrf_token(phone, "/me/contacts")}
    )
    assert done.headers["Location"] == "/me/contacts"
    listed = phone.get("/me/contacts").get_data(as_text=True)
    assert "Removed." in listed
    assert "李红" not in listed
    assert not kept(session, daughter)
    [(actor_type, actor_id, subject, channel)] = removals(session)
    assert (actor_type, actor_id, subject) == ("resident", person.id, person.id)
    assert channel.startswith("ip:")


def test_the_office_removes_a_contact_only_with_consent(client, auth, make_staff, session, make_resident):
    from webapp.domain.safety.contacts import add_contact

    office = make_staff("office", role=Role.ADMIN)
    auth.sign_in("office")
    client.set_cookie("linli_locale", "en")
    person = make_resident("陈阿婆", age=86)
    son = add_contact(session, VAULT, SYSTEM, person, "陈明", "儿子", "13900007777")
    session.commit()
    url = f"/staff/residents/{person.id}/contacts"
    token = csrf_token(client, url)
    unasked = client.post(f"{url}/{son.id}/remove", data={"csrf_token": token})
    assert "Please ask the resident first, and tick the box." in client.get(
        unasked.headers["Location"]
    ).get_data(as_text=True)
    assert kept(session, son)
    assert removals(session) == []

    asked = client.post(f"{url}/{son.id}/remove", data={"csrf_token": token, "consent": "y"})
    assert "Removed." in client.get(asked.headers["Location"]).get_data(as_text=True)
    assert not kept(session, son)
    [(actor_type, actor_id, subject, _channel)] = removals(session)
    assert (actor_type, actor_id, subject) == ("staff", office.id, person.id)
