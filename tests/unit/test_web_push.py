"""Web Push with the real protocol: VAPID-signed, aes128gcm-encrypted messages reach a push service (a local
HTTP server standing in for the browser vendor's), say nothing personal, and a gone endpoint is forgotten."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from sqlalchemy import select

from webapp.domain.desk.tickets import change_status, submit
from webapp.domain.privacy.audit import Actor
from webapp.models import Notification, PushSubscription, ServiceType, Status
from webapp.shared.push import public_key, send_pending


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


def test_a_status_change_is_pushed_encrypted_and_a_gone_phone_is_forgotten(app, session, make_resident):
    server = HTTPServer(("127.0.0.1", 0), PushService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    PushService.received = []
    try:
        # Only this test's news is pending: news other tests left unpushed in the shared database (browser
        # tests' live servers commit) must not fill send_pending's batch before it.
        from sqlalchemy import update

        from webapp.infra import clock

        session.execute(
            update(Notification).where(Notification.pushed_at.is_(None)).values(pushed_at=clock.now())
        )
        person = make_resident("推送测试", age=70)
        p256dh, auth = browser_keys()
        endpoint = f"http://127.0.0.1:{server.server_port}/push/abc"
        session.add(
            PushSubscription(resident_id=person.id, endpoint=endpoint, p256dh=p256dh, auth=auth, locale="en")
        )
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
        change_status(session, Actor(type="staff", name="赵刚"), ticket, Status.ACCEPTED)
        session.commit()
        with app.app_context():
            assert len(public_key(app.instance_path)) == 87  # an uncompressed P-256 point, base64url
            send_pending(app, session)
        # What arrived at the push service (the worker may have pushed it already, woken by the commit when
        # an app context is active): counted where it is received, not by who sent it.
        assert PushService.received
        headers, body = PushService.received[-1]
        assert headers["content-encoding"] == "aes128gcm"
        assert headers["authorization"].startswith("vapid t=")
        assert headers["ttl"] == "86400"  # a phone that is off gets it within a day
        assert b"has news" not in body
        assert ticket.number.encode() not in body  # encrypted: the push service reads nothing
        note = session.scalar(select(Notification).where(Notification.resident_id == person.id))
        assert note.pushed_at is not None
        PushService.answer = 410  # the phone unsubscribed: the push service says the endpoint is gone
        change_status(session, Actor(type="staff", name="赵刚"), ticket, Status.IN_PROGRESS)
        session.commit()
        with app.app_context():
            send_pending(app, session)
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
