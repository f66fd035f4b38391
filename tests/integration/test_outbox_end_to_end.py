"""News reaches people off-screen end to end (issue 17): a ticket's status change and a booking reminder reach
the resident by SMS (the development gateway's file) in the resident's language, an escalation reaches the
office's DingTalk group (a local server checking the robot's signature), and quiet hours hold SMS until 08:00
with a frozen clock. The task function runs in the test's process: a real worker process adds nothing here
(the exactly-once test runs one)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tests.conftest import VAULT
from webapp.domain.desk import bookings
from webapp.domain.desk.tickets import change_status, escalate_overdue, submit
from webapp.domain.messages import preferences
from webapp.domain.privacy.audit import Actor
from webapp.infra import clock
from webapp.jobs.tasks import deliver_one
from webapp.models import ChannelSetting, GroupAlert, OutboxMessage, OutboxStatus, ServiceType, Slot, Status

SECRET = "SEC-test-robot-secret"
LEASE = timedelta(seconds=30)


class Robot(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        query = parse_qs(urlsplit(self.path).query)
        timestamp, sign = query["timestamp"][0], query["sign"][0]
        expected = base64.b64encode(
            hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
        ).decode()
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if sign != expected:
            answer = {"errcode": 310000, "errmsg": "sign not match"}
        else:
            Robot.received.append(body)
            answer = {"errcode": 0, "errmsg": "ok"}
        payload = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def robot():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Robot.received = []
    yield f"http://127.0.0.1:{server.server_port}/robot/send?access_token=abc"
    server.shutdown()


@pytest.fixture
def sms_file(session, demo_community, tmp_path):
    path = tmp_path / "sms.jsonl"
    for other in session.scalars(
        select(ChannelSetting).where(ChannelSetting.community_id == demo_community.id)
    ):
        other.enabled = False  # the demo's own file channel: this test reads its own file
    session.add(
        ChannelSetting(
            community_id=demo_community.id, kind="sms_file", label="SMS (file)", settings={"path": str(path)}
        )
    )
    session.flush()

    def texts() -> list[dict]:
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    return texts


def deliver_all(app, session, since: int) -> list[str]:
    """Run the worker's delivery for every message this test wrote (ids above `since`)."""
    session.commit()
    ids = session.scalars(select(OutboxMessage.id).where(OutboxMessage.id > since).order_by(OutboxMessage.id))
    return [deliver_one(app, message_id, LEASE) for message_id in list(ids)]


def last_id(session) -> int:
    return session.scalar(select(func.max(OutboxMessage.id))) or 0


def service(session, community, code: str) -> ServiceType:
    return session.scalar(
        select(ServiceType).where(ServiceType.community_id == community.id, ServiceType.code == code)
    )


def test_a_status_change_reaches_the_resident_by_sms_in_their_language(
    app, session, demo_community, make_resident, sms_file, frozen
):
    person = make_resident(
        "Chan Tai Man", age=70, preferred_locale="zh_Hant", phone_cipher=VAULT.encrypt("phone", "13900139000")
    )
    lift = service(session, demo_community, "repair-lift")
    before = last_id(session)
    ticket = submit(
        session,
        Actor(type="resident", id=person.id),
        person,
        lift,
        {"urgent": "no"},
        "phone",
        household_id=person.household_id,
    ).request
    change_status(session, Actor(type="staff", id=None, name="Office"), ticket, Status.ACCEPTED)
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == person.id)).all()
    assert [(r.channel, r.kind, r.locale) for r in rows] == [("sms", "ticket_status", "zh_Hant")]
    assert "13900139000" not in json.dumps(rows[0].params)  # never an address in the outbox
    assert deliver_all(app, session, before) == ["delivered"]
    (sms,) = sms_file()
    assert sms["to"] == "13900139000"  # unsealed at send time
    assert ticket.number in sms["text"]
    assert "Chan" in sms["text"]
    assert "Tai Man" not in sms["text"]
    assert "已接單" in sms["text"], sms["text"]  # the state, in Traditional Chinese
    assert "your request" not in sms["text"], sms["text"]  # and the sentence too
    assert sms["key"] == rows[0].key
    assert sms["template"] == "ticket"
    session.expire_all()
    assert session.get(OutboxMessage, rows[0].id).status == OutboxStatus.DELIVERED


def test_a_booking_reminder_reaches_the_resident_in_english(
    app, session, demo_community, make_resident, sms_file, frozen
):
    person = make_resident(
        "Ada Lovelace", age=80, preferred_locale="en", phone_cipher=VAULT.encrypt("phone", "13700137000")
    )
    health = service(session, demo_community, "health-check")
    before = last_id(session)
    slot = Slot(
        service_type_id=health.id,
        starts_at=clock.now() + timedelta(hours=20),
        minutes=30,
        place="Room",
        capacity=2,
        booked=0,
    )
    session.add(slot)
    session.flush()
    submit(session, Actor(type="resident", id=person.id), person, health, {"slot": str(slot.id)}, "phone")
    bookings.send_reminders(session)
    assert deliver_all(app, session, before).count("delivered") >= 1
    texts = [s for s in sms_file() if s["to"] == "13700137000"]
    assert any(s["text"] == "Ada, a reminder: your appointment is within a day." for s in texts), texts


def dingtalk_group(session, community, webhook: str, queue: str) -> None:
    """The office's (or a unit's) DingTalk group robot, with its signing secret sealed, hearing `queue`."""
    from webapp.domain.messages.channels import SECRET_KIND

    setting = ChannelSetting(
        community_id=community.id, kind="dingtalk", label=f"{queue} group", settings={"webhook": webhook}
    )
    setting.secrets_cipher = VAULT.encrypt(SECRET_KIND, json.dumps({"secret": SECRET}))
    session.add(setting)
    session.add(GroupAlert(community_id=community.id, queue=queue, channel="dingtalk"))


def report(session, person, lift, urgent: str):
    """The resident reports the lift at the kiosk, answering the danger question `urgent`."""
    return submit(
        session,
        Actor(type="resident", id=person.id),
        person,
        lift,
        {"urgent": urgent},
        "kiosk",
        household_id=person.household_id,
    ).request


def test_an_escalation_reaches_the_office_dingtalk_group(
    app, session, demo_community, make_resident, robot, frozen
):
    dingtalk_group(session, demo_community, robot, "office")
    person = make_resident("王秀英", age=82)
    lift = service(session, demo_community, "repair-lift")
    before = last_id(session)
    ticket = report(session, person, lift, "no")
    ticket.due_at = clock.now() - timedelta(hours=1)
    escalate_overdue(session)
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "escalated"))
    assert (row.recipient_kind, row.channel, row.alert) == ("group", "dingtalk", True)
    assert "delivered" in deliver_all(app, session, before)
    (message,) = Robot.received
    text = json.dumps(message, ensure_ascii=False)
    assert ticket.number in text
    assert "王" not in text  # the number, never the resident's name
    assert "逾期" in text, text  # the community's language (Simplified Chinese)


def test_a_danger_report_alerts_the_property_group_at_once_even_at_night(
    app, session, demo_community, make_resident, robot, frozen
):
    """Issue 23: 是否有危险 answered 是 reaches the unit that answers the service, off-screen, at once."""
    clock.freeze(datetime(2026, 11, 29, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai: quiet hours for residents
    dingtalk_group(session, demo_community, robot, "property")
    person = make_resident("王秀英", age=82)
    lift = service(session, demo_community, "repair-lift")
    before = last_id(session)
    calm = report(session, person, lift, "no")
    assert session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "urgent")) == 0
    ticket = report(session, person, lift, "yes")
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "urgent"))
    assert (row.recipient_kind, row.channel, row.alert) == ("group", "dingtalk", True)
    assert row.next_attempt_at <= clock.now()  # not held for the morning
    assert "delivered" in deliver_all(app, session, before)
    (message,) = Robot.received
    text = json.dumps(message, ensure_ascii=False)
    assert ticket.number in text
    assert calm.number not in text
    assert "王" not in text
    assert "危险" in text, text  # the community's language


def test_quiet_hours_hold_an_sms_until_eight_but_not_an_alert(
    app, session, demo_community, make_resident, sms_file
):
    clock.freeze(datetime(2026, 11, 29, 14, 30, tzinfo=UTC))  # 22:30 in Shanghai
    try:
        person = make_resident("李阿姨", age=75, phone_cipher=VAULT.encrypt("phone", "13600136000"))
        lift = service(session, demo_community, "repair-lift")
        ticket = submit(
            session,
            Actor(type="resident", id=person.id),
            person,
            lift,
            {"urgent": "no"},
            "phone",
            household_id=person.household_id,
        ).request
        change_status(session, Actor(type="staff", id=None), ticket, Status.ACCEPTED)
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == person.id))
        assert row.next_attempt_at == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # 08:00 the next morning
        session.commit()
        assert deliver_one(app, row.id, LEASE) == "taken"  # not due: nobody may claim it
        row.next_attempt_at = clock.now()  # even if it were due (a retry), the worker holds it back
        session.commit()
        assert deliver_one(app, row.id, LEASE) == "postponed"
        session.refresh(row)
        assert (row.status, row.attempts, row.next_attempt_at) == (
            OutboxStatus.PENDING,
            0,
            datetime(2026, 11, 30, 0, 0, tzinfo=UTC),
        )
        assert sms_file() == []
        clock.freeze(datetime(2026, 11, 30, 0, 1, tzinfo=UTC))  # 08:01
        assert deliver_one(app, row.id, LEASE) == "delivered"
        assert len(sms_file()) == 1
        # A resident's own quiet hours: from 20:00 to 09:00.
        preferences.choose(session, Actor(type="resident", id=person.id), person, ["sms"], "20:00", "09:00")
        assert preferences.in_quiet_hours(
            datetime(2026, 11, 30, 0, 30, tzinfo=UTC), (20 * 60, 9 * 60), "Asia/Shanghai"
        )
    finally:
        clock.freeze(None)
