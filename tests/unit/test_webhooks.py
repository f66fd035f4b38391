"""Webhooks in the core: registration refuses what must not be (plain http, unknown events, events beyond the
scope); events are written in the transaction of the change with a stable id and no person in them; the
signature is the documented HMAC, checkable with openssl."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import VAULT
from webapp.domain.desk.bookings import release
from webapp.domain.desk.tickets import add_note, change_status
from webapp.domain.identity.api_keys import make_key, revoke
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.domain.webhooks import signing
from webapp.domain.webhooks.events import EVENTS, emit
from webapp.domain.webhooks.hooks import WebhookError, register, scopes_of, secret_of
from webapp.infra import clock
from webapp.models import AuditEntry, Booking, Slot, Status, WebhookDelivery, WebhookEvent

LIGHT = {"where": "stairs", "urgent": "no"}
OFFICE = Actor(type="staff", id=None, name="office")


def _hook(session, where, events=("ticket.created", "ticket.changed"), scopes=("tickets:read",), **extra):
    return register(
        session,
        SYSTEM,
        VAULT,
        where.id,
        "区级看板",
        extra.pop("url", "https://dashboard.example.org/linli"),
        list(events),
        scopes=list(scopes),
        **extra,
    )


def test_signature_is_hmac_sha256_of_timestamp_dot_body_and_openssl_agrees():
    body = b'{"id":"abc","type":"ticket.created"}'
    expected = hmac.new(b"whsec_s3cret", b"1764900000." + body, hashlib.sha256).hexdigest()
    assert signing.sign("whsec_s3cret", 1764900000, body) == expected
    # The shell recipe of docs/api.md.
    shell = subprocess.run(  # noqa: S603
        ["/usr/bin/openssl", "dgst", "-sha256", "-hmac", "whsec_s3cret", "-r"],
        input=b"1764900000." + body,
        capture_output=True,
        check=True,
    )
    assert shell.stdout.split()[0].decode() == expected
    assert signing.verify("whsec_s3cret", "1764900000", body, "v1=" + expected)
    assert not signing.verify("whsec_wrong", "1764900000", body, "v1=" + expected)
    assert not signing.verify("whsec_s3cret", "1764900001", body, "v1=" + expected)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://dashboard.example.org/linli", False),
        ("http://dashboard.example.org/linli", True),  # loopback only, even when allowed
        ("http://127.0.0.1:8000/hook", False),
        ("ftp://dashboard.example.org/", False),
        ("https://user:pw@dashboard.example.org/", False),
        ("https:///no-host", False),
        ("https://example.org:99999/", False),
    ],
)
def test_register_refuses_anything_but_https(blank_session, url, loopback):
    where = factories.community(blank_session)
    with pytest.raises(WebhookError) as refused:
        _hook(blank_session, where, url=url, loopback_http=loopback)
    assert refused.value.reason == "url_https"


def test_register_allows_loopback_http_only_when_the_instance_says_so(blank_session):
    where = factories.community(blank_session)
    made = _hook(blank_session, where, url="http://127.0.0.1:8000/hook", loopback_http=True)
    assert made.webhook.url == "http://127.0.0.1:8000/hook"
    assert made.secret.startswith("whsec_")
    assert secret_of(VAULT, made.webhook) == made.secret
    assert made.secret.encode() not in made.webhook.secret_cipher  # sealed, not kept in clear
    assert blank_session.scalar(select(AuditEntry).where(AuditEntry.action == "webhook.register"))


@pytest.mark.parametrize(
    ("events", "scopes", "reason"),
    [
        ([], ["tickets:read"], "event_required"),
        (["ticket.deleted"], ["tickets:read"], "bad_event"),
        (["booking.made"], ["tickets:read"], "scope_missing"),
        (["ticket.created"], ["figures:read"], "bad_scope"),
    ],
)
def test_register_refuses_events_and_scopes_it_may_not_have(blank_session, events, scopes, reason):
    where = factories.community(blank_session)
    with pytest.raises(WebhookError) as refused:
        _hook(blank_session, where, events=events, scopes=scopes)
    assert refused.value.reason == reason


def test_a_webhook_tied_to_a_key_sees_what_the_key_sees_and_stops_with_it(blank_session):
    where = factories.community(blank_session)
    other = factories.community(blank_session, "别的社区")
    key = make_key(blank_session, SYSTEM, "看板", ["tickets:read"], community_id=where.id).key
    with pytest.raises(WebhookError) as refused:
        _hook(blank_session, other, api_key=key)
    assert refused.value.reason == "key_unusable"  # the key does not reach that community
    hook = _hook(blank_session, where, api_key=key, scopes=["tickets:flats"]).webhook
    assert scopes_of(hook) == {"tickets:read"}  # the key's scopes, not the form's
    revoke(blank_session, SYSTEM, key)
    assert scopes_of(hook) == frozenset()


def test_a_ticket_filed_and_changed_writes_events_with_its_number_and_no_person(blank_session):
    session = blank_session
    where = factories.community(session)
    hook = _hook(session, where).webhook
    person = factories.resident(session, where, name="王秀英", phone="13800138000")
    ticket = factories.ticket(
        session, person, factories.service(session, where, "repair-light"), LIGHT, place="3号楼楼道"
    )
    change_status(session, OFFICE, ticket, Status.ACCEPTED, "明天上午来修")
    add_note(session, OFFICE, ticket, "内部：找电工", public=False)  # internal: stays inside
    session.flush()
    events = session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)).all()
    assert [e.event_type for e in events] == ["ticket.created", "ticket.changed"]
    created, changed = events
    assert created.payload["number"] == ticket.number != "pending"
    assert created.payload["open311_status"] == "open"
    assert changed.payload["change"] == {"status": "accepted", "note": "明天上午来修"}
    assert created.flat == {"building": None, "place": "3号楼楼道"}
    text = repr([e.payload for e in events])
    assert "王秀英" not in text
    assert "8000" not in text
    assert "楼道" not in text
    deliveries = session.scalars(select(WebhookDelivery)).all()
    assert {(d.webhook_id, d.status, d.attempts) for d in deliveries} == {(hook.id, "pending", 0)}
    assert len({e.event_id for e in events}) == 2


def test_an_event_is_rolled_back_with_its_change(blank_session):
    session = blank_session
    where = factories.community(session)
    _hook(session, where)
    person = factories.resident(session, where)
    service = factories.service(session, where, "repair-light")
    change = session.begin_nested()
    factories.ticket(session, person, service, LIGHT, place="楼道")
    change.rollback()
    assert session.scalars(select(WebhookEvent)).all() == []
    assert session.scalars(select(WebhookDelivery)).all() == []


def test_bookings_made_and_cancelled_are_events_for_a_bookings_scope(blank_session):
    session = blank_session
    where = factories.community(session)
    _hook(session, where, events=["booking.made", "booking.cancelled"], scopes=["bookings:read"])
    person = factories.resident(session, where)
    service = factories.service(session, where, "health-check")
    slot = Slot(
        service_type_id=service.id,
        starts_at=clock.now() + timedelta(hours=48),
        minutes=30,
        place="健康小屋",
        capacity=2,
        booked=0,
    )
    session.add(slot)
    session.flush()
    ticket = factories.ticket(session, person, service, answers={"slot": str(slot.id)})
    booking = session.scalar(select(Booking).where(Booking.request_id == ticket.id))
    release(session, booking)
    session.flush()
    events = session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)).all()
    assert [e.event_type for e in events] == ["booking.made", "booking.cancelled"]
    assert events[0].payload["ticket"] == ticket.number
    assert events[1].payload["status"] == "cancelled"


def test_no_webhook_writes_nothing_and_emit_knows_its_events(blank_session):
    session = blank_session
    where = factories.community(session)
    person = factories.resident(session, where)
    factories.ticket(session, person, factories.service(session, where, "repair-light"), LIGHT, place="楼道")
    assert session.scalars(select(WebhookEvent)).all() == []
    with pytest.raises(ValueError, match="unknown webhook event"):
        emit(session, where.id, "help_call.lost", {})
    assert {"help_call.raised", "help_call.closed"} <= set(EVENTS)


def test_emit_is_the_help_calls_way_in(blank_session):
    session = blank_session
    where = factories.community(session)
    _hook(session, where, events=["help_call.raised"])
    event_id = emit(
        session, where.id, "help_call.raised", {"kiosk": "大厅", "raised_at": "2026-12-05T10:00:00+08:00"}
    )
    session.flush()
    row = session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == event_id))
    assert row.event_type == "help_call.raised"
    assert len(session.scalars(select(WebhookDelivery)).all()) == 1


DOCS = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")


def test_the_docs_python_receiver_accepts_linlis_signature_and_refuses_a_wrong_secret():
    block = DOCS[DOCS.index("def verify(") : DOCS.index("class Receiver(")]
    scope: dict = {}
    exec("import hashlib, hmac, time\n" + block, scope)  # noqa: S102 (our own documentation)
    body = b'{"id": "e1", "type": "ticket.created"}'
    now = int(time.time())
    headers = signing.headers("whsec_right", "wh_k", "e1", "ticket.created", now, body)
    assert scope["verify"]("whsec_right", headers["Linli-Timestamp"], body, headers["Linli-Signature"])
    assert not scope["verify"]("whsec_wrong", headers["Linli-Timestamp"], body, headers["Linli-Signature"])
    stale = signing.headers("whsec_right", "wh_k", "e1", "ticket.created", now - 600, body)
    assert not scope["verify"]("whsec_right", stale["Linli-Timestamp"], body, stale["Linli-Signature"])


def test_the_docs_shell_recipe_accepts_linlis_signature_and_refuses_a_wrong_secret(tmp_path):
    start = DOCS.index("SECRET=whsec_")
    recipe = DOCS[start : DOCS.index("```", start)].splitlines()[3:]  # after SECRET, TIMESTAMP, SIGNATURE
    body = '{"id": "e1", "data": {"place": "3号楼"}}'.encode()
    (tmp_path / "body.json").write_bytes(body)
    headers = signing.headers("whsec_right", "wh_k", "e1", "ticket.created", 1764900847, body)

    def run(secret: str) -> str:
        script = "\n".join(
            [f"SECRET={secret}", "TIMESTAMP=1764900847", f"SIGNATURE={headers['Linli-Signature']}", *recipe]
        )
        done = subprocess.run(  # noqa: S603
            ["/bin/bash", "-c", script], cwd=tmp_path, capture_output=True, check=True, text=True
        )
        return done.stdout.strip()

    assert run("whsec_right") == "signed by Linli"
    assert run("whsec_wrong") == "refuse it"


def test_a_help_call_raised_and_closed_reaches_webhooks_without_the_person(blank_session):
    """The help call (issue 18) is an event other systems may follow: raised and closed, where from and
    when, never who; its place only for a webhook that may see flats."""
    from webapp.domain.safety.calls import close_call, raise_call

    where = factories.community(blank_session)
    person = factories.resident(blank_session, where, "王秀英", 82)
    _hook(blank_session, where, events=("help_call.raised", "help_call.closed"))
    call = raise_call(blank_session, VAULT, SYSTEM, where, "phone", "https://linli.test", resident=person)
    close_call(blank_session, Actor(type="staff", id=None, name="office"), call, "helped")
    blank_session.flush()
    events = blank_session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)).all()
    assert [e.event_type for e in events] == ["help_call.raised", "help_call.closed"]
    assert events[0].payload["call"] == call.id
    assert events[1].payload["outcome"] == "helped"
    assert "王秀英" not in str([e.payload for e in events])
    assert "秀英" not in str([e.payload for e in events])
    assert events[0].flat == {"place": call.place}
