"""Webhook deliveries through the worker's own code to a real HTTP server on loopback (issue 19): the receiver
checks every signature with the secret the console showed once, and refuses a wrong one; a refused delivery
is tried again, then fails for good with the receiver's answer in the delivery log; a replay from the console
sends the same event id again."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from tests.conftest import VAULT, csrf_token
from webapp.domain.desk.tickets import change_status, submit
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.domain.webhooks import delivery, signing
from webapp.domain.webhooks.hooks import register
from webapp.jobs.webhooks import deliver_one
from webapp.models import AuditEntry, Resident, ServiceType, Status, WebhookDelivery

LEASE = timedelta(seconds=30)


class Receiver(BaseHTTPRequestHandler):
    """A receiving system as docs/api.md tells one to be: find the secret by key id, check the signature and
    the timestamp's age, answer 401 to anything else."""

    secrets: dict[str, str] = {}
    received: list[tuple[dict[str, str], dict]] = []
    refused: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        secret = Receiver.secrets.get(self.headers.get(signing.KEY_ID, ""), "")
        stamp = self.headers.get(signing.TIMESTAMP, "")
        fresh = stamp.isdigit() and abs(time.time() - int(stamp)) < 300
        if not (secret and fresh and signing.verify(secret, stamp, body, self.headers[signing.SIGNATURE])):
            Receiver.refused.append(self.headers.get(signing.EVENT_ID, ""))
            self.send_response(401)
            self.end_headers()
            return
        Receiver.received.append((dict(self.headers), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Receiver.secrets, Receiver.received, Receiver.refused = {}, [], []
    yield f"http://127.0.0.1:{server.server_port}/linli"
    server.shutdown()


def _deliver_all(app, session) -> list[str]:
    session.commit()
    with app.app_context():
        from webapp.infra.unit_of_work import job

        with job(app) as s:
            ids = delivery.due(s)
    return [deliver_one(app, delivery_id, LEASE) for delivery_id in ids]


def _ticket(session, demo_community):
    light = session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == demo_community.id, ServiceType.code == "repair-light"
        )
    )
    person = session.scalar(select(Resident).where(Resident.community_id == demo_community.id))
    return submit(
        session, SYSTEM, person, light, {"where": "stairs", "urgent": "no"}, "phone", place="5号楼楼道"
    ).request


def test_receiver_verifies_each_signature_and_sees_the_flat_only_with_the_scope(
    app, session, demo_community, receiver
):
    plain = register(
        session,
        SYSTEM,
        VAULT,
        demo_community.id,
        "看板",
        receiver,
        ["ticket.created", "ticket.changed"],
        scopes=["tickets:read"],
        loopback_http=True,
    )
    flats = register(
        session,
        SYSTEM,
        VAULT,
        demo_community.id,
        "物业",
        receiver,
        ["ticket.created"],
        scopes=["tickets:read", "tickets:flats"],
        loopback_http=True,
    )
    Receiver.secrets = {plain.webhook.key_id: plain.secret, flats.webhook.key_id: flats.secret}
    ticket = _ticket(session, demo_community)
    assert _deliver_all(app, session) == ["delivered", "delivered"]
    change_status(session, Actor(type="staff", name="office"), ticket, Status.ACCEPTED, "明天来修")
    assert _deliver_all(app, session) == ["delivered"]

    assert Receiver.refused == []
    by_key = {}
    for headers, body in Receiver.received:
        assert headers[signing.EVENT_ID] == body["id"]
        assert headers[signing.EVENT_TYPE] == body["type"]
        by_key.setdefault(headers[signing.KEY_ID], []).append(body)
    created_plain, changed = by_key[plain.webhook.key_id]
    (created_flats,) = by_key[flats.webhook.key_id]
    assert created_plain["id"] == created_flats["id"]  # one event, one id, whoever hears it
    assert created_plain["data"]["number"] == ticket.number
    assert created_plain["community"] == demo_community.slug
    assert "place" not in created_plain["data"]
    assert created_flats["data"]["place"] == "5号楼楼道"
    assert changed["type"] == "ticket.changed"
    assert changed["data"]["change"] == {"status": "accepted", "note": "明天来修"}
    rows = session.scalars(select(WebhookDelivery)).all()
    session.expire_all()
    assert {(r.status, r.response_code, r.attempts) for r in rows} == {("delivered", 204, 1)}


def test_a_wrong_secret_is_refused_retried_then_failed_and_replayed_from_the_log(
    app, client, auth, session, demo_community, receiver
):
    made = register(
        session,
        SYSTEM,
        VAULT,
        demo_community.id,
        "看板",
        receiver,
        ["ticket.created"],
        scopes=["tickets:read"],
        loopback_http=True,
    )
    Receiver.secrets = {made.webhook.key_id: "whsec_not-the-one-linli-signs-with"}
    _ticket(session, demo_community)
    assert _deliver_all(app, session) == ["pending"]  # refused: tried again later
    row = session.scalar(select(WebhookDelivery))
    session.refresh(row)
    assert (row.response_code, row.attempts, row.last_error) == (401, 1, "The receiver answered 401.")
    assert row.next_attempt_at > row.created_at + timedelta(seconds=29)
    assert len(Receiver.refused) == 1
    assert Receiver.received == []

    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == row.id)
        .values(attempts=delivery.MAX_ATTEMPTS - 1, next_attempt_at=row.created_at)
    )
    assert _deliver_all(app, session) == ["failed"]

    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    log = client.get("/staff/webhooks/log").get_data(as_text=True)
    event_id = row.event.event_id
    assert event_id in log
    assert "<strong>Failed</strong>" in log
    assert "The receiver answered 401." in log

    Receiver.secrets = {made.webhook.key_id: made.secret}  # the receiver fixed its configuration
    token = csrf_token(client, "/staff/webhooks/log")
    answer = client.post(f"/staff/webhooks/log/{row.id}/replay", data={"csrf_token": token})
    assert answer.status_code == 303
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "webhook.replay")) is not None
    assert _deliver_all(app, session) == ["delivered"]
    ((headers, body),) = Receiver.received
    assert body["id"] == headers[signing.EVENT_ID] == event_id  # the same event id as the failed delivery
    assert re.fullmatch(r"v1=[0-9a-f]{64}", headers[signing.SIGNATURE])


def test_a_change_in_the_console_reaches_the_receiver(app, client, auth, session, demo_community, receiver):
    """A face that knows nothing of webhooks (the console's status form) writes the event with its change."""
    made = register(
        session,
        SYSTEM,
        VAULT,
        demo_community.id,
        "看板",
        receiver,
        ["ticket.changed"],
        scopes=["tickets:read"],
        loopback_http=True,
    )
    Receiver.secrets = {made.webhook.key_id: made.secret}
    ticket = _ticket(session, demo_community)
    session.commit()
    auth.sign_in("admin")
    token = csrf_token(client, "/staff/")
    answer = client.post(f"/staff/tickets/{ticket.id}/status", data={"csrf_token": token, "to": "accepted"})
    assert answer.status_code == 303
    assert _deliver_all(app, session) == ["delivered"]
    ((_headers, body),) = Receiver.received
    assert (body["type"], body["data"]["number"], body["data"]["status"]) == (
        "ticket.changed",
        ticket.number,
        "accepted",
    )
