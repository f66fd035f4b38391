"""Family accounts through the faces: the kiosk links by a one-time QR, the family phone signs in by an SMS
code that arrives through the outbox, each scope is allowed or refused as chosen, the resident is told and
ends the link; and a family member reaches no resident page but their own links' (routes from the URL map)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, refused_as_forged
from tests.factories import VAULT
from webapp.domain.family import links
from webapp.domain.family.members import member_for_phone
from webapp.domain.identity.cards import issue_card
from webapp.domain.identity.pins import set_pin
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.infra import clock
from webapp.jobs.tasks import deliver_one
from webapp.models import (
    AuditEntry,
    ChannelSetting,
    FamilyLink,
    FamilyRelation,
    OutboxMessage,
    Role,
    Ticket,
    TrainingSession,
)

PIN = "482915"
DAUGHTER_PHONE = "13800138000"
QR_RE = re.compile(r'data-family-qr="([^"]+)"')


@pytest.fixture
def sms_file(session, demo_community, tmp_path):
    """The community's SMS channel is a file here: what the family phone would receive, one JSON line each."""
    path = tmp_path / "sms.jsonl"
    for other in session.scalars(
        select(ChannelSetting).where(ChannelSetting.community_id == demo_community.id)
    ):
        other.enabled = False
    session.add(
        ChannelSetting(
            community_id=demo_community.id, kind="sms_file", label="SMS (file)", settings={"path": str(path)}
        )
    )
    session.commit()

    def texts() -> list[dict]:
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    return texts


def deliver_pending(app, session) -> None:
    """What the worker does: deliver every message waiting in the outbox."""
    session.commit()
    from datetime import timedelta

    for message_id in list(
        session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "pending"))
    ):
        deliver_one(app, message_id, timedelta(seconds=30))


def kiosk_visit(kiosk_client, session, resident):
    set_pin(session, SYSTEM, resident, PIN)
    issued = issue_card(session, SYSTEM, resident)
    session.commit()
    scan = kiosk_client.post(
        "/kiosk/identify",
        data={"csrf_token": csrf_token(kiosk_client, "/kiosk/"), "scan": issued.url("https://linli.example")},
    )
    assert scan.get_json()["ok"] is True
    kiosk_client.set_cookie("linli_locale", "en")
    return kiosk_client


def link_at_kiosk(kiosk, scopes, relation="daughter") -> str:
    """The resident's PIN, then who and what; returns the QR's address."""
    asked = kiosk.get("/kiosk/family")
    assert "Please enter your PIN" in asked.get_data(as_text=True)
    pin = kiosk.post("/kiosk/family", data={"csrf_token": csrf_token(kiosk, "/kiosk/family"), "pin": PIN})
    assert pin.status_code == 303
    token = csrf_token(kiosk, "/kiosk/family/new")
    page = kiosk.post("/kiosk/family/new", data={"csrf_token": token, "relation": relation, "scopes": scopes})
    assert page.status_code == 200, page.get_data(as_text=True)
    return QR_RE.search(page.get_data(as_text=True)).group(1)


def sign_in_by_qr(app, session, sms_file, url, phone=DAUGHTER_PHONE):
    phone_client = app.test_client()
    phone_client.set_cookie("linli_locale", "en")
    path = url.split("://", 1)[1].split("/", 1)[1]
    path = "/" + path
    first = phone_client.get(path)
    assert "Become a family contact" in first.get_data(as_text=True)
    sent = phone_client.post(path, data={"csrf_token": csrf_token(phone_client, path), "phone": phone})
    assert sent.status_code == 303
    deliver_pending(app, session)
    sms = [m for m in sms_file() if m["to"] == phone][-1]
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", sms["text"]).group(1)
    signed = phone_client.post(
        "/family/code", data={"csrf_token": csrf_token(phone_client, "/family/code"), "code": code}
    )
    assert signed.status_code == 303, signed.get_data(as_text=True)
    return phone_client, path


def test_link_by_qr_scopes_on_behalf_and_ending_from_the_kiosk(
    app, kiosk_client, session, make_resident, sms_file
):
    mother = make_resident("王秀英")
    kiosk = kiosk_visit(kiosk_client, session, mother)
    url = link_at_kiosk(kiosk, ["checkins", "bookings"])
    phone, qr_path = sign_in_by_qr(app, session, sms_file, url)
    link = session.scalars(select(FamilyLink).where(FamilyLink.resident_id == mother.id)).one()
    home = phone.get("/family")
    assert "王秀英" in home.get_data(as_text=True)
    assert home.headers["Cache-Control"] == "no-store"

    # Chosen: check-ins and bookings. Not chosen: requests (refused in words).
    assert phone.get(f"/family/{link.id}/checkins").status_code == 200
    refused = phone.get(f"/family/{link.id}/tickets")
    assert refused.status_code == 403
    assert "has not shared this with you" in refused.get_data(as_text=True)
    assert phone.get(f"/family/{link.id}/tickets/new").status_code == 403
    bookings = phone.get(f"/family/{link.id}/bookings")
    assert bookings.status_code == 200
    ts = session.scalars(
        select(TrainingSession).where(TrainingSession.community_id == mother.community_id)
    ).all()
    bookable = [t for t in ts if f'data-book="class-{t.id}"' in bookings.get_data(as_text=True)]
    assert bookable
    booked = phone.post(
        f"/family/{link.id}/class/{bookable[0].id}/book",
        data={"csrf_token": csrf_token(phone, f"/family/{link.id}/bookings")},
    )
    assert booked.status_code == 303
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.subject_type == "training_session", AuditEntry.subject_id == bookable[0].id
        )
    ).all()[-1]
    assert (entry.actor_type, entry.actor_role, entry.on_behalf_of_id) == ("family", "daughter", mother.id)

    # The resident is told at the kiosk.
    news = kiosk.get("/kiosk/home").get_data(as_text=True)
    assert "Your daughter booked the class" in news

    # The kiosk lists the link (masked number only), and ends it.
    listed = kiosk.get("/kiosk/family").get_data(as_text=True)
    assert "8000" in listed
    assert DAUGHTER_PHONE not in listed
    token = csrf_token(kiosk, "/kiosk/family")
    ask = kiosk.post(f"/kiosk/family/{link.id}/end", data={"csrf_token": token})
    assert "End this family link (Daughter)?" in ask.get_data(as_text=True)
    ended = kiosk.post(f"/kiosk/family/{link.id}/end", data={"csrf_token": token, "confirmed": "yes"})
    assert "has ended" in ended.get_data(as_text=True)
    assert phone.get(f"/family/{link.id}/checkins").status_code == 404
    assert "王秀英" not in phone.get("/family").get_data(as_text=True)
    assert (
        session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "family.link_end")) == 1
    )

    # The QR cannot be used again, in words.
    again = app.test_client()
    again.set_cookie("linli_locale", "en")
    reused = again.get(qr_path)
    assert reused.status_code == 410
    assert "has already been used" in reused.get_data(as_text=True)


def test_an_expired_qr_is_refused_in_words(app, kiosk_client, session, make_resident, frozen):
    mother = make_resident("王秀英")
    _link, token = links.create_link(
        session, Actor(type="resident", id=mother.id), mother, FamilyRelation.SON, ["checkins"], "kiosk:1"
    )
    session.commit()
    frozen.advance(minutes=11)
    phone = app.test_client()
    phone.set_cookie("linli_locale", "en")
    page = phone.get(f"/family/link/{token}")
    assert page.status_code == 410
    assert "more than 10 minutes old" in page.get_data(as_text=True)
    unknown = phone.get("/family/link/not-a-real-family-token-0")
    assert unknown.status_code == 410
    assert "We do not know this family link" in unknown.get_data(as_text=True)


def test_a_wrong_code_is_refused_and_a_bad_number_keeps_the_form(app, session, make_resident, sms_file):
    mother = make_resident("王秀英")
    _link, token = links.create_link(
        session, Actor(type="resident", id=mother.id), mother, FamilyRelation.SON, ["checkins"], "kiosk:1"
    )
    session.commit()
    phone = app.test_client()
    phone.set_cookie("linli_locale", "en")
    path = f"/family/link/{token}"
    bad = phone.post(path, data={"csrf_token": csrf_token(phone, path), "phone": "12345"})
    assert bad.status_code == 400
    assert "11-digit mobile number" in bad.get_data(as_text=True)
    assert 'value="12345"' in bad.get_data(as_text=True)
    phone.post(path, data={"csrf_token": csrf_token(phone, path), "phone": DAUGHTER_PHONE})
    wrong = phone.post(
        "/family/code", data={"csrf_token": csrf_token(phone, "/family/code"), "code": "0000001"}
    )
    assert wrong.status_code == 401
    assert phone.get("/family").status_code == 302  # not signed in


def resident_get_rules(app):
    """Every GET route of the resident face except the family pages themselves, from the URL map."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("resident.") and "GET" in (rule.methods or ()):
            if rule.endpoint.startswith("resident.family_") or rule.redirect_to is not None:
                continue
            found.append(rule)
    return found


SAMPLE = {"token": "not-a-real-token-00000000", "number": "B-0002", "code": "repair-light", "step": "1"}


SIGN_IN_PLACES = {"/sign-in"}  # where a resident page sends someone who is not signed in as one


def test_a_family_member_reaches_no_resident_page_and_no_other_link(
    app, session, make_resident, demo_community
):
    mother = make_resident("王秀英", phone_cipher=None)
    neighbour = make_resident("张大爷")
    link, _token = links.create_link(
        session,
        Actor(type="resident", id=mother.id),
        mother,
        FamilyRelation.DAUGHTER,
        ["checkins", "tickets", "bookings"],
        "kiosk:1",
    )
    member = member_for_phone(session, VAULT, DAUGHTER_PHONE)
    links.claim_link(session, link.id, member, "ip:test")
    other, _t = links.create_link(
        session,
        Actor(type="resident", id=neighbour.id),
        neighbour,
        FamilyRelation.SON,
        ["checkins", "tickets", "bookings"],
        "kiosk:1",
    )
    stranger = member_for_phone(session, VAULT, "13900139000")
    links.claim_link(session, other.id, stranger, "ip:test")
    session.commit()
    phone = app.test_client()
    phone.set_cookie("linli_locale", "en")
    with phone.session_transaction() as s:
        s["_user_id"] = f"family:{member.id}:{member.auth_version}"
        s["_fresh"] = True
    assert phone.get("/family").status_code == 200  # signed in as the daughter

    rules = resident_get_rules(app)
    assert len(rules) >= 20
    answered = {}
    for rule in rules:
        values = {name: SAMPLE.get(name, "1") for name in rule.arguments}
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m, v=values: v[m.group(1)], rule.rule)
        response = phone.get(url)
        text = response.get_data(as_text=True)
        assert "王秀英" not in text, f"{url} showed a resident's name"
        assert "张大爷" not in text, f"{url} showed a resident's name"
        if rule.rule.startswith(("/me", "/c", "/ask", "/tickets")):
            answered[url] = response.status_code
            # An unknown card link is not found; every other resident page sends her to the residents' sign-in,
            # never into a resident's page.
            expected = 404 if url.startswith("/c/") else 302
            assert response.status_code == expected, f"{url} answered {response.status_code}"
            if expected == 302:
                assert response.headers["Location"] in SIGN_IN_PLACES, (url, response.headers["Location"])
    assert answered["/me"] == 302, answered

    # The neighbour's link, under every family page, is not found.
    for path in ("", "/checkins", "/tickets", "/tickets/new", "/bookings"):
        assert phone.get(f"/family/{other.id}{path}").status_code == 404, path
    token = csrf_token(phone, f"/family/{link.id}/bookings")
    ts = session.scalar(select(TrainingSession.id).where(TrainingSession.community_id == demo_community.id))
    assert phone.post(f"/family/{other.id}/class/{ts}/book", data={"csrf_token": token}).status_code == 404
    # The control: the same client, once her mother has signed in on it as a resident, opens the resident
    # pages that sent the daughter to sign in (the redirects above came from who she is, not from the harness).
    set_pin(session, SYSTEM, mother, "591736")
    card = issue_card(session, SYSTEM, mother)
    session.commit()
    phone.get(f"/c/{card.token}")
    assert phone.post("/c", data={"csrf_token": csrf_token(phone, "/c"), "pin": "591736"}).status_code == 303
    me = phone.get("/me")
    assert me.status_code == 200, me.status_code
    assert "王秀英" in me.get_data(as_text=True)


def signed_in_family(app, member):
    phone = app.test_client()
    phone.set_cookie("linli_locale", "en")
    with phone.session_transaction() as s:
        s["_user_id"] = f"family:{member.id}:{member.auth_version}"
        s["_fresh"] = True
    return phone


def test_a_son_with_tickets_only_reports_one_for_his_father_and_books_nothing(
    app, session, make_resident, kiosk_client, signed_in_phone
):
    father = make_resident("李建国")
    link, _token = links.create_link(
        session, Actor(type="resident", id=father.id), father, FamilyRelation.SON, ["tickets"], "kiosk:1"
    )
    son = member_for_phone(session, VAULT, "13700137000")
    links.claim_link(session, link.id, son, "ip:test")
    session.commit()
    phone = signed_in_family(app, son)
    assert phone.get(f"/family/{link.id}/checkins").status_code == 403
    assert phone.get(f"/family/{link.id}/bookings").status_code == 403
    page = phone.get(f"/family/{link.id}/tickets/new")
    assert page.status_code == 200
    token = csrf_token(phone, f"/family/{link.id}/tickets/new")
    booked = phone.post(f"/family/{link.id}/class/1/book", data={"csrf_token": token})
    assert booked.status_code == 403
    too_long = phone.post(
        f"/family/{link.id}/tickets/new",
        data={"csrf_token": token, "service": "suggestion", "details": "x" * 600},
    )
    assert too_long.status_code == 400
    assert "x" * 600 in too_long.get_data(as_text=True)  # the form is kept
    done = phone.post(
        f"/family/{link.id}/tickets/new",
        data={"csrf_token": token, "service": "suggestion", "details": "楼道灯坏了，父亲晚上看不清。"},
    )
    assert done.status_code == 303
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == father.id).order_by(Ticket.id.desc()))
    assert ticket is not None
    submitted = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "ticket.submit", AuditEntry.subject_id == ticket.id)
    )
    assert (submitted.actor_type, submitted.actor_role, submitted.on_behalf_of_id) == (
        "family",
        "son",
        father.id,
    )
    event = ticket.events[0]
    assert (event.actor_type, event.actor_id) == ("family", son.id)
    assert ticket.number in phone.get(f"/family/{link.id}/tickets").get_data(as_text=True)
    own_phone = signed_in_phone(father)  # the resident's own phone shows it too
    assert f"Your son reported request {ticket.number} for you." in own_phone.get("/me").get_data(
        as_text=True
    )
    kiosk = kiosk_visit(kiosk_client, session, father)
    assert f"Your son reported request {ticket.number} for you." in kiosk.get("/kiosk/home").get_data(
        as_text=True
    )


def test_staff_make_a_family_qr_at_the_office_and_end_a_link_audited(
    app, client, auth, make_staff, session, make_resident
):
    make_staff("office1", Role.ADMIN)
    auth.sign_in("office1")
    client.set_cookie("linli_locale", "en")
    mother = make_resident("王秀英")
    page = f"/staff/residents/{mother.id}"
    none = client.post(
        f"{page}/family", data={"csrf_token": csrf_token(client, page), "relation": "daughter"}
    )
    assert none.status_code == 303  # no scope chosen: back, in words, nothing made
    assert "at least one thing" in client.get(page).get_data(as_text=True)
    assert session.scalar(select(func.count(FamilyLink.id)).where(FamilyLink.resident_id == mother.id)) == 0
    made = client.post(
        f"{page}/family",
        data={"csrf_token": csrf_token(client, page), "relation": "daughter", "scopes": ["checkins"]},
    )
    assert made.status_code == 200
    url = QR_RE.search(made.get_data(as_text=True)).group(1)
    token = url.rsplit("/", 1)[1]
    link = links.waiting_link(session, token)
    member = member_for_phone(session, VAULT, DAUGHTER_PHONE)
    links.claim_link(session, link.id, member, "ip:test")
    session.commit()
    detail = client.get(page).get_data(as_text=True)
    assert "Daughter" in detail
    assert "8000" in detail
    assert DAUGHTER_PHONE not in detail
    ended = client.post(f"{page}/family/{link.id}/end", data={"csrf_token": csrf_token(client, page)})
    assert ended.status_code == 303
    session.expire_all()
    assert session.get(FamilyLink, link.id).ended_by == "staff"
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "family.link_end")).one()
    assert (audit.actor_type, audit.subject_id) == ("staff", link.id)
    trail = client.get("/staff/audit").get_data(as_text=True)
    assert f"Family member {member.id} (Daughter) · on behalf of resident {mother.id}" in trail  # the claim
    phone = signed_in_family(app, member)
    assert phone.get(f"/family/{link.id}").status_code == 404
    # The resident's page says who ended it and when, with the number still masked.
    shown = re.search(r"(?s)<ul[^>]*data-family-ended>(.*?)</ul>", client.get(page).get_data(as_text=True))
    assert shown is not None
    assert "Daughter · phone ending 8000 · ended " in shown.group(1)
    assert "by the community office" in shown.group(1)
    assert DAUGHTER_PHONE not in shown.group(1)


def test_a_daughter_with_check_ins_sees_her_mothers_alerts_and_who_went_to_help(
    app, session, make_resident, demo_community
):
    """ "See check-ins and alerts": a help call the resident raised shows on the family page with who went
    to help and how it ended, in words; without the scope the page is refused."""
    from webapp.domain.safety.calls import acknowledge, close_call, raise_call

    mother = make_resident("陈桂兰")
    link, _token = links.create_link(
        session,
        Actor(type="resident", id=mother.id),
        mother,
        FamilyRelation.DAUGHTER,
        ["checkins"],
        "kiosk:1",
    )
    daughter = member_for_phone(session, VAULT, "13700137001")
    links.claim_link(session, link.id, daughter, "ip:test")
    phone = signed_in_family(app, daughter)
    assert "No alert in the last two weeks." in phone.get(f"/family/{link.id}/checkins").get_data(
        as_text=True
    )
    call = raise_call(session, VAULT, SYSTEM, demo_community, "phone", "https://linli.test", resident=mother)
    acknowledge(session, SYSTEM, call, "门卫老李")
    close_call(session, Actor(type="staff", id=None, name="office"), call, "helped", "扶起来了，无大碍")
    session.commit()
    page = phone.get(f"/family/{link.id}/checkins").get_data(as_text=True)
    assert "Call for help" in page
    assert "门卫老李 went to help at" in page
    assert "Someone went and helped" in page
    assert "扶起来了" not in page  # the office's note stays with the office


def test_a_daughter_books_her_mothers_health_check_time_and_a_full_time_is_refused_in_words(
    app, session, make_resident, demo_community, signed_in_phone
):
    """ "Book appointments … for me": a time of an appointment service (the health check) booked through the
    desk's own submit, as "on behalf of" in the audit, told to the resident; a time filled meanwhile is
    refused in words and nothing is written."""
    from webapp.domain.desk.bookings import active_booking
    from webapp.models import ServiceType, Slot

    mother = make_resident("周玉珍")
    link, _token = links.create_link(
        session,
        Actor(type="resident", id=mother.id),
        mother,
        FamilyRelation.DAUGHTER,
        ["bookings"],
        "kiosk:1",
    )
    daughter = member_for_phone(session, VAULT, "13700137002")
    links.claim_link(session, link.id, daughter, "ip:test")
    check = session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == demo_community.id, ServiceType.code == "health-check"
        )
    )
    times = session.scalars(
        select(Slot)
        .where(Slot.service_type_id == check.id, Slot.starts_at > clock.now(), Slot.booked < Slot.capacity)
        .order_by(Slot.starts_at)
    ).all()
    assert len(times) >= 2
    session.commit()
    phone = signed_in_family(app, daughter)
    page = phone.get(f"/family/{link.id}/bookings").get_data(as_text=True)
    assert f'data-slot="{times[0].id}"' in page
    token = csrf_token(phone, f"/family/{link.id}/bookings")
    full = times[1]
    full.booked = full.capacity  # someone else took the last place while the page was open
    session.commit()
    before = session.scalar(select(func.count(Ticket.id)))
    refused = phone.post(f"/family/{link.id}/appointment/{full.id}/book", data={"csrf_token": token})
    assert refused.status_code == 303
    shown = phone.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Sorry, this time has just been fully booked. Please choose another time." in shown
    assert session.scalar(select(func.count(Ticket.id))) == before
    done = phone.post(f"/family/{link.id}/appointment/{times[0].id}/book", data={"csrf_token": token})
    assert done.status_code == 303
    ticket = session.scalar(select(Ticket).where(Ticket.resident_id == mother.id).order_by(Ticket.id.desc()))
    assert ticket.service_type_id == check.id
    assert active_booking(session, ticket).slot_id == times[0].id
    submitted = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "ticket.submit", AuditEntry.subject_id == ticket.id)
    )
    assert (submitted.actor_type, submitted.on_behalf_of_id) == ("family", mother.id)
    news = signed_in_phone(mother).get("/me").get_data(as_text=True)
    assert "Your daughter booked A health check on" in news
    assert f"for you (request {ticket.number})" in news
    again = phone.get(f"/family/{link.id}/bookings").get_data(as_text=True)
    assert f'data-booked="appointment-{times[0].id}"' in again
    assert "data-slot=" not in again  # one visit is booked, not two


MOTHER_ID = "330106194201015670"
SON_PHONE, SON_NAME = "13700139876", "张伟"


@pytest.fixture
def mother_with_two_children(session, demo_community, make_resident):
    """王秀英 with an 18-digit ID number, a phone and a PIN; her daughter and her son both linked with every
    scope; the son is also her emergency contact (by name and number) and has reported a request and booked a
    class for her; she checked in and raised a help call. Returns (mother, daughter's member, daughter's link,
    son's link, contact, call)."""
    from webapp.domain.family import acts
    from webapp.domain.kiosk.care import check_in
    from webapp.domain.register.residents import ResidentInput, create_resident
    from webapp.domain.safety.calls import raise_call
    from webapp.domain.safety.contacts import add_contact
    from webapp.domain.training.courses import upcoming
    from webapp.models import Household, ServiceType

    household = session.scalar(select(Household).order_by(Household.id))
    mother = create_resident(
        session,
        VAULT,
        SYSTEM,
        demo_community.id,
        ResidentInput(name="王秀英", household_id=household.id, phone="13912345678", id_number=MOTHER_ID),
    )
    assert mother.id_number_last4 == "5670"
    set_pin(session, SYSTEM, mother, PIN)
    made = {}
    for relation, number in ((FamilyRelation.DAUGHTER, DAUGHTER_PHONE), (FamilyRelation.SON, SON_PHONE)):
        link, _token = links.create_link(
            session,
            Actor(type="resident", id=mother.id),
            mother,
            relation,
            ["checkins", "tickets", "bookings"],
            "kiosk:1",
        )
        member = member_for_phone(session, VAULT, number)
        links.claim_link(session, link.id, member, "ip:test")
        made[relation] = (link, member)
    (daughter_link, daughter), (son_link, _son) = made[FamilyRelation.DAUGHTER], made[FamilyRelation.SON]
    contact = add_contact(session, VAULT, SYSTEM, mother, SON_NAME, "儿子", SON_PHONE)
    son = links.family_actor(son_link, "ip:test")
    suggestion = session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == demo_community.id, ServiceType.code == "suggestion"
        )
    )
    acts.report(session, son, son_link, suggestion, "楼道灯坏了，母亲晚上看不清。", VAULT)
    acts.book_class(session, son, son_link, upcoming(session, demo_community.id)[0])
    check_in(session, Actor(type="resident", id=mother.id), mother, "kiosk:1")
    call = raise_call(session, VAULT, SYSTEM, demo_community, "phone", "https://linli.test", resident=mother)
    session.commit()
    return mother, daughter, daughter_link, son_link, contact, call


def family_get_rules(app):
    """Every GET page of the family face, from the URL map."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("resident.family_") and "GET" in (rule.methods or ())
    ]


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_daughter_sees_no_id_number_pin_or_her_brother(app, session, mother_with_two_children, locale):
    """Her mother's ID number (not even its last four digits), PIN and phone, and anything of her brother (his
    number, his name as the emergency contact, his relation), on no family page: the URL map's, walked."""
    mother, daughter, link, son_link, _contact, _call = mother_with_two_children
    phone = signed_in_family(app, daughter)
    phone.set_cookie("linli_locale", locale)
    secrets = [MOTHER_ID, MOTHER_ID[:6], MOTHER_ID[6:14], MOTHER_ID[-6:], "5670", PIN, "13912345678"]
    secrets += [SON_PHONE, SON_PHONE[-4:], SON_NAME, "Son", "儿子", "兒子"]
    values = {"link_id": link.id, "token": "not-a-real-family-token-0"}
    rules = family_get_rules(app)
    assert {r.endpoint for r in rules} >= {
        "resident.family_home",
        "resident.family_resident",
        "resident.family_checkins",
        "resident.family_tickets",
        "resident.family_report",
        "resident.family_bookings",
    }
    walked = []
    for rule in rules:
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)
        response = phone.get(url)
        text = response.get_data(as_text=True)
        walked.append((url, response.status_code))
        for secret in secrets:
            assert secret not in text, f"{url} shows {secret!r}"
    pages = dict(walked)
    # The pages really are hers: her mother's name, her alert and the request her brother made are there.
    for path in ("", "/checkins", "/tickets", "/tickets/new", "/bookings"):
        assert pages[f"/family/{link.id}{path}"] == 200, path
    assert "王秀英" in phone.get(f"/family/{link.id}").get_data(as_text=True)
    tickets = phone.get(f"/family/{link.id}/tickets").get_data(as_text=True)
    assert session.scalar(select(Ticket.number).where(Ticket.resident_id == mother.id)) in tickets
    assert "data-alerts" in phone.get(f"/family/{link.id}/checkins").get_data(as_text=True)
    # Her brother's link is not hers: none of its pages.
    for path in ("", "/checkins", "/tickets", "/tickets/new", "/bookings"):
        assert phone.get(f"/family/{son_link.id}{path}").status_code == 404, path


def test_a_family_member_posting_to_every_other_route_writes_nothing(app, session, mother_with_two_children):
    """Every POST route outside the family face (from the URL map), sent by the signed-in daughter with the
    fields of the safety forms and her mother's own ids in the address: no 500, and no help call, request,
    emergency contact, check-in plan or check-in is written."""
    from webapp.models import CheckIn, CheckinPlan, EmergencyContact, HelpCall

    mother, daughter, link, son_link, contact, call = mother_with_two_children
    phone = signed_in_family(app, daughter)
    token = csrf_token(phone, f"/family/{link.id}/tickets/new")
    values = {
        "resident_id": mother.id,
        "contact_id": contact.id,
        "call_id": call.id,
        "link_id": son_link.id,
        "kind": "class",
        "token": "not-a-real-token-00000000",
        "number": "B-0002",
        "code": "suggestion",
    }
    form = {
        "csrf_token": token,
        "pin": PIN,
        "name": "李四",
        "relation": "女儿",
        "phone": "13900001111",
        "deadline": "10:00",
        "consent": "y",
        "confirmed": "yes",
        "outcome": "helped",
        "ack-minutes": "7",
    }
    written = (HelpCall, Ticket, EmergencyContact, CheckinPlan, CheckIn)

    def counts():
        session.expire_all()
        return {m.__name__: session.scalar(select(func.count(m.id))) for m in written}

    before = counts()
    answered = []
    rules = [
        r
        for r in app.url_map.iter_rules()
        if "POST" in (r.methods or ()) and not r.endpoint.startswith("resident.family_")
    ]
    assert len(rules) > 100
    with phone.session_transaction() as kept:
        signed_in = dict(kept)  # her sign-in and her CSRF token
    for rule in rules:
        # A route that ends the session (a sign-out) must not leave the routes after it to an anonymous phone
        # whose token no longer counts: each is sent signed in as her, with her token.
        with phone.session_transaction() as state:
            state.update(signed_in)
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values.get(m.group(1), 1)), rule.rule)
        response = phone.post(url, data=form)
        answered.append((url, response.status_code))
        assert response.status_code < 500, (url, response.status_code)
        assert not refused_as_forged(response), url  # judged by the route, not refused before it
    with phone.session_transaction() as state:
        state.update(signed_in)
    assert counts() == before, answered
    assert session.get(type(contact), contact.id) is not None
    assert session.get(type(call), call.id).outcome is None
    # The control: the same phone, token and form, sent to her own family form, is taken and writes.
    reported = phone.post(
        f"/family/{link.id}/tickets/new", data={**form, "service": "suggestion", "details": "灯坏了"}
    )
    assert reported.status_code == 303, reported.status_code
    assert reported.headers["Location"] == f"/family/{link.id}/tickets"
    assert counts() == {**before, "Ticket": before["Ticket"] + 1}


def test_a_son_ends_his_own_link_asked_once_his_mother_is_told_and_his_sister_keeps_hers(
    app, session, kiosk_client, mother_with_two_children, signed_in_phone, make_staff
):
    """A family member may step away by themselves: asked once, the link ends (audited as his act), its pages
    are gone, his mother reads why at the lobby screen, and what is not his stays: his sister's link, and his
    place on his mother's emergency contacts (a separate list that she keeps)."""
    from webapp.models import EmergencyContact, PushSubscription
    from webapp.shared.push import payload

    mother, daughter, daughter_link, son_link, contact, _call = mother_with_two_children
    son = signed_in_family(app, son_link.member)
    sister = signed_in_family(app, daughter)
    mothers_phone = signed_in_phone(mother)
    session.add(
        PushSubscription(
            resident_id=mother.id, endpoint="https://push.example/1", p256dh="k", auth="a", locale="en"
        )
    )
    session.commit()

    page = son.get(f"/family/{son_link.id}").get_data(as_text=True)
    assert f'action="/family/{son_link.id}/end"' in page
    assert "End this family link" in page
    # Not his sister's link, and not by a GET.
    token = csrf_token(son, f"/family/{son_link.id}")
    assert son.post(f"/family/{daughter_link.id}/end", data={"csrf_token": token}).status_code == 404
    assert son.get(f"/family/{son_link.id}/end").status_code == 405

    forged = son.post(f"/family/{son_link.id}/end", data={"confirmed": "yes"})
    assert forged.status_code == 400  # no token: refused before the route
    asked = son.post(f"/family/{son_link.id}/end", data={"csrf_token": token})
    assert asked.status_code == 200
    text = asked.get_data(as_text=True)
    assert "End your family link with 王秀英?" in text
    assert "No, keep the link" in text
    assert f'href="/family/{son_link.id}" data-keep' in text  # the safe choice leads back
    session.expire_all()
    assert session.get(FamilyLink, son_link.id).ended_at is None  # asking changed nothing

    ended = son.post(f"/family/{son_link.id}/end", data={"csrf_token": token, "confirmed": "yes"})
    assert ended.status_code == 303
    assert ended.headers["Location"] == "/family"
    home = son.get("/family").get_data(as_text=True)
    assert "Your family link with 王秀英 has ended. We have told them." in home
    assert "王秀英" not in home.replace("Your family link with 王秀英 has ended", "")
    assert son.get(f"/family/{son_link.id}").status_code == 404
    again = son.post(f"/family/{son_link.id}/end", data={"csrf_token": token, "confirmed": "yes"})
    assert again.status_code == 404  # a second tap finds nothing to end

    session.expire_all()
    link = session.get(FamilyLink, son_link.id)
    assert link.ended_at is not None
    assert link.ended_by == "family"
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "family.link_end", AuditEntry.subject_id == link.id)
    ).all()
    assert [(e.actor_type, e.actor_role, e.on_behalf_of_id) for e in entries] == [
        ("family", "son", mother.id)
    ]
    assert session.get(FamilyLink, daughter_link.id).ended_at is None
    assert sister.get(f"/family/{daughter_link.id}").status_code == 200
    assert session.get(EmergencyContact, contact.id) is not None
    assert "by the family member" in office_page(app, make_staff, mother)

    told = "Your son ended the family link with you. You can add them again at the lobby screen."
    assert told in mothers_phone.get("/me").get_data(as_text=True)
    # Her locked phone says only that her family has news, and opens her page (not a ticket's).
    pushed = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.recipient_kind == "push", OutboxMessage.kind == "push_family"
        )
    ).all()
    assert len(pushed) == 1
    words = json.loads(payload(pushed[0].kind, str(pushed[0].params.get("number", "")), pushed[0].locale))
    assert words["body"] == "You have news from your family. Open Linli to see it."
    assert words["url"] == "/me"
    kiosk = kiosk_visit(kiosk_client, session, mother)
    news = kiosk.get("/kiosk/home").get_data(as_text=True)
    assert told in news
    listed = kiosk.get("/kiosk/family")
    pin = kiosk.post("/kiosk/family", data={"csrf_token": csrf_token(kiosk, "/kiosk/family"), "pin": PIN})
    assert listed.status_code == 200
    assert pin.status_code == 303
    places = kiosk.get("/kiosk/family").get_data(as_text=True)
    assert "Daughter" in places
    assert "Son" not in places  # her list shows only the daughter now


def office_page(app, make_staff, resident) -> str:
    """The resident's page in the staff console, as an office worker of the community reads it."""
    from tests.conftest import Auth

    make_staff("office2", Role.COMMUNITY_WORKER)
    office = app.test_client()
    office.set_cookie("linli_locale", "en")
    Auth(office).sign_in("office2")
    return office.get(f"/staff/residents/{resident.id}").get_data(as_text=True)


def test_a_link_ended_twice_is_ended_audited_and_told_once(session, mother_with_two_children):
    """Two taps on "Yes" at once (two servers): only the one that ended the link is audited and tells the
    resident. The second finds it ended in the database, whatever its own copy of the row says."""
    from webapp.domain.family import acts
    from webapp.models import Notification

    mother, _daughter, _daughter_link, son_link, _contact, _call = mother_with_two_children
    from sqlalchemy.orm.attributes import set_committed_value

    acts.step_away(session, son_link)
    set_committed_value(son_link, "ended_at", None)  # the other server's copy, read before the first tap
    acts.step_away(session, son_link)
    assert (
        session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "family.link_end")) == 1
    )
    told = session.scalars(
        select(Notification.detail).where(
            Notification.resident_id == mother.id, Notification.kind == "family"
        )
    ).all()
    assert [d for d in told if d.startswith("ended:")] == [f"ended:{son_link.id}:0"]


def test_with_two_sons_linked_the_news_says_which_son(
    app, session, mother_with_two_children, signed_in_phone
):
    """ "Your son" is enough until a second son is linked; then the news names the phone it came from by the
    last four digits the lobby screen's list of links shows."""
    from webapp.domain.family import acts
    from webapp.models import ServiceType

    mother, _daughter, _daughter_link, son_link, _contact, _call = mother_with_two_children
    phone = signed_in_phone(mother)
    phone.set_cookie("linli_locale", "en")
    assert "Your son reported request" in phone.get("/me").get_data(as_text=True)
    second, _token = links.create_link(
        session, Actor(type="resident", id=mother.id), mother, FamilyRelation.SON, ["tickets"], "kiosk:1"
    )
    links.claim_link(session, second.id, member_for_phone(session, VAULT, "13600001234"), "ip:test")
    suggestion = session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == mother.community_id, ServiceType.code == "suggestion"
        )
    )
    ticket = acts.report(
        session, links.family_actor(second, "ip:test"), second, suggestion, "门口台阶松了。", VAULT
    ).request
    session.commit()
    page = phone.get("/me").get_data(as_text=True)
    assert f"Your son (phone ending 1234) reported request {ticket.number} for you." in page
    assert f"Your son (phone ending {SON_PHONE[-4:]}) reported request" in page  # the first son's news too
    phone.set_cookie("linli_locale", "zh_Hans")
    assert f"您的儿子（尾号1234）替您报了办件{ticket.number}。" in phone.get("/me").get_data(as_text=True)
