"""Web Push with the real protocol, through the notification outbox: VAPID-signed, aes128gcm-encrypted messages
reach a push service (a local HTTP server standing in for the browser vendor's), say nothing personal, are tried
again after a 5xx, show on the Deliveries page, and a gone endpoint is forgotten."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

from sqlalchemy import select

from webapp.domain.desk.tickets import change_status, submit
from webapp.domain.privacy.audit import Actor
from webapp.jobs.tasks import deliver_one
from webapp.models import Notification, OutboxMessage, OutboxStatus, PushSubscription, ServiceType, Status
from webapp.shared.push import public_key

LEASE = timedelta(seconds=60)


class PushService(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    answer = 201

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        PushService.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(PushService.answer)
        self.end_headers()

    def log_message(self, *args):
        pass


def browser_keys():
    """A subscription's keys as a browser makes them (P-256 public key, 16-byte auth secret)."""
    import base64
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    encode = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return encode(public), encode(os.urandom(16))


def _push_rows(session, phone_id):
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient_kind == "push", OutboxMessage.recipient_id == phone_id)
            .order_by(OutboxMessage.id)
        )
    )


def test_a_status_change_is_pushed_through_the_outbox_retried_and_a_gone_phone_is_forgotten(
    app, session, make_resident, frozen, client, auth
):
    """The news is an outbox row per subscribed phone, written with the change: a push service answering 503
    is tried again (not pushed blind once and forgotten), the delivered row shows on the Deliveries page, and a
    phone the push service says is gone is forgotten."""
    server = HTTPServer(("127.0.0.1", 0), PushService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    PushService.received = []
    try:
        person = make_resident("推送测试", age=70)
        p256dh, auth_secret = browser_keys()
        endpoint = f"http://127.0.0.1:{server.server_port}/push/abc"
        phone = PushSubscription(
            resident_id=person.id, endpoint=endpoint, p256dh=p256dh, auth=auth_secret, locale="en"
        )
        session.add(phone)
        session.flush()
        lift = session.scalar(select(ServiceType).where(ServiceType.code == "repair-lift"))
        ticket = submit(
            session,
            Actor(type="resident", id=person.id),
            person,
            lift,
            {"urgent": "no"},
            "phone",
            household_id=person.household_id,
        ).request
        before = len(_push_rows(session, phone.id))
        change_status(session, Actor(type="staff", name="赵刚"), ticket, Status.ACCEPTED)
        session.flush()
        rows = _push_rows(session, phone.id)[before:]
        assert len(rows) == 1  # written in the change's own transaction, one row for the one phone
        row = rows[0]
        assert (row.channel, row.kind, row.status) == ("webpush", "push_ticket", OutboxStatus.PENDING)
        with app.app_context():
            assert len(public_key(app.instance_path)) == 87  # an uncompressed P-256 point, base64url

        PushService.answer = 503  # the push service is having a bad minute
        assert deliver_one(app, row.id, LEASE) == OutboxStatus.PENDING
        session.expire_all()
        row = session.get(OutboxMessage, row.id)
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
        assert "503" in row.last_error
        frozen.advance(seconds=31)
        PushService.answer = 201
        assert deliver_one(app, row.id, LEASE) == OutboxStatus.DELIVERED
        rows = _push_rows(session, phone.id)[before:]
        assert [(r.status, r.attempts) for r in rows] == [(OutboxStatus.DELIVERED, 2)]
        # Counted where it is received: the 503 and the 201, nothing more.
        assert len(PushService.received) == 2
        headers, body = PushService.received[-1]
        assert headers["content-encoding"] == "aes128gcm"
        assert headers["authorization"].startswith("vapid t=")
        assert headers["ttl"] == "86400"  # a phone that is off gets it within a day
        assert b"has news" not in body
        assert ticket.number.encode() not in body  # encrypted: the push service reads nothing

        client.set_cookie("linli_locale", "en")
        auth.sign_in("admin")
        page = client.get(f"/staff/deliveries?community={person.community_id}").get_data(as_text=True)
        assert "Web Push" in page
        assert f"Ticket news · {ticket.number}" in page

        PushService.answer = 410  # the phone unsubscribed: the push service says the endpoint is gone
        change_status(session, Actor(type="staff", name="赵刚"), ticket, Status.IN_PROGRESS)
        session.flush()
        gone = _push_rows(session, phone.id)[-1]
        assert deliver_one(app, gone.id, LEASE) == OutboxStatus.SKIPPED
        session.expire_all()
        assert session.get(OutboxMessage, gone.id).status == OutboxStatus.SKIPPED
        assert session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint)) is None
    finally:
        PushService.answer = 201
        server.shutdown()


def test_class_and_event_news_is_worded_for_what_it_is_and_leads_there(app, session, make_resident):
    import json

    from webapp.shared.push import message

    resident = make_resident()
    for kind, url, word in (
        ("class_place", "/me/skills", "class"),
        ("event_cancelled", "/me/events", "activity"),
    ):
        note = Notification(resident_id=resident.id, kind=kind, detail="1")
        session.add(note)
        session.flush()
        with app.test_request_context():
            pushed = json.loads(message(note, "en"))
            chinese = json.loads(message(note, "zh_Hans"))
        assert pushed["url"] == url
        assert word in pushed["body"]
        assert "None" not in pushed["body"]
        assert "  " not in pushed["body"]  # no empty ticket number
        assert chinese["body"] != pushed["body"]


def test_news_about_no_ticket_says_only_that_there_is_news_and_family_news_says_family(
    app, session, make_resident
):
    """A locked phone must not read " has news" (no number), nor call every such news "from your family"."""
    import json

    from webapp.shared.push import message

    resident = make_resident()
    answers = {}
    for kind in ("family", "something_new"):
        note = Notification(resident_id=resident.id, kind=kind, detail="ticket:1:1")
        session.add(note)
        session.flush()
        with app.test_request_context():
            answers[kind] = (json.loads(message(note, "en")), json.loads(message(note, "zh_Hant")))
    family, other = answers["family"], answers["something_new"]
    assert family[0]["body"] == "You have news from your family. Open Linli to see it."
    assert other[0]["body"] == "You have news from Linli."
    assert family[0]["url"] == other[0]["url"] == "/me"
    assert other[1]["body"] != other[0]["body"]  # translated
