"""A help call that nobody acknowledges climbs its chain on a frozen clock, and every step is observed where it
arrives: the local Alibaba Cloud SMS server (`gateways.py`, checking the request signature as documented)
receives the first person on duty's text at once, the next one's after the community's minutes, then the
office phone list's, then the family contact's, and nothing more after that (issue 18).

The worker's own round (`help_round`, claimed once a minute) and its delivery (`deliver_one`) run in the test's
process against the test's database, as in test_outbox_end_to_end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import VAULT
from tests.integration import gateways as gw
from tests.integration.gateways import Gateways
from webapp.domain.messages.channels import SECRET_KIND
from webapp.domain.privacy.audit import Actor
from webapp.domain.safety import calls, roster
from webapp.domain.safety.contacts import add_contact
from webapp.infra.queue import queue_of
from webapp.jobs.tasks import deliver_one
from webapp.models import AuditEntry, ChannelSetting, HelpCall, Kiosk, OutboxMessage

LEASE = timedelta(seconds=30)
OFFICE = Actor(type="system")
GUARD, WORKER, OFFICE_PHONE, DAUGHTER = "13800000001", "13800000002", "13800000003", "13900001234"


@pytest.fixture(scope="module")
def servers() -> Iterator[Gateways]:
    running = Gateways().start()
    yield running
    running.stop()


@pytest.fixture
def aliyun_sms(session, demo_community, servers):
    """The community's SMS goes through Alibaba Cloud (the local server), with an approved help template."""
    for other in session.scalars(
        select(ChannelSetting).where(ChannelSetting.community_id == demo_community.id)
    ):
        other.enabled = False
    setting = ChannelSetting(
        community_id=demo_community.id,
        kind="sms_aliyun",
        label="SMS (Alibaba Cloud)",
        settings={
            "access_key_id": gw.ALIYUN_ID,
            "sign_name": "邻里社区",
            "template_help": "SMS_100001",
            "endpoint": f"{servers.base}/aliyun/",
        },
    )
    setting.secrets_cipher = VAULT.encrypt(SECRET_KIND, json.dumps({"access_key_secret": gw.ALIYUN_SECRET}))
    session.add(setting)
    for line in roster.roster(session, demo_community.id):
        session.delete(line)  # the demo's own roster: each test here writes its own
    session.flush()
    return servers


def phones_reached(servers: Gateways, before: int) -> list[str]:
    return [m["phone"] for m in servers.received.accepted["aliyun"][before:]]


def deliver_new(app, session, since: int) -> list[str]:
    session.commit()
    ids = list(
        session.scalars(select(OutboxMessage.id).where(OutboxMessage.id > since).order_by(OutboxMessage.id))
    )
    return [deliver_one(app, message_id, LEASE) for message_id in ids]


def last_id(session) -> int:
    return session.scalar(select(func.max(OutboxMessage.id))) or 0


def trail(session, call: HelpCall) -> list[tuple[str, str, dict | None]]:
    """The call's audit trail: (action, who, detail), oldest first."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == "help_call", AuditEntry.subject_id == call.id)
        .order_by(AuditEntry.id)
    )
    return [(e.action, e.actor_type, e.detail) for e in entries]


def test_an_unacknowledged_call_climbs_the_roster_to_the_family(
    app, session, demo_community, make_resident, aliyun_sms, frozen
):
    servers = aliyun_sms
    everyday = list(range(7))
    roster.add_entry(
        session, VAULT, OFFICE, demo_community, "guard", "门卫老李", GUARD, everyday, "00:00", "24:00"
    )
    roster.add_entry(
        session, VAULT, OFFICE, demo_community, "grid_worker", "小张", WORKER, everyday, "00:00", "24:00"
    )
    roster.add_entry(
        session,
        VAULT,
        OFFICE,
        demo_community,
        "office",
        "社区办公室",
        OFFICE_PHONE,
        everyday,
        "00:00",
        "24:00",
    )
    demo_community.help_ack_minutes = 3
    person = make_resident("王秀英", age=84)
    add_contact(session, VAULT, OFFICE, person, "李红", "女儿", DAUGHTER)
    kiosk = session.scalar(select(Kiosk).where(Kiosk.community_id == demo_community.id))
    tasks = queue_of(app)
    before_sms = len(servers.received.accepted["aliyun"])
    mark = last_id(session)

    call = calls.raise_call(
        session,
        VAULT,
        Actor(type="resident", id=person.id),
        demo_community,
        "kiosk",
        "https://linli.test",
        resident=person,
        kiosk=kiosk,
    )
    deliver_new(app, session, mark)
    assert phones_reached(servers, before_sms) == [GUARD]  # at once, the first person on duty only
    arrived = servers.received.accepted["aliyun"][before_sms]
    assert arrived["params"]["place"] == kiosk.place
    assert arrived["params"]["name"] == "秀英"  # a first name, never the full name
    assert "1234" in arrived["params"]["contacts"]
    assert DAUGHTER not in arrived["params"]["contacts"]
    assert arrived["params"]["link"].startswith("https://linli.test/help/")

    expected = [GUARD]
    for minutes, who in ((2, None), (1, WORKER), (3, OFFICE_PHONE), (3, DAUGHTER), (3, None), (10, None)):
        frozen.advance(minutes=minutes)
        mark = last_id(session)
        session.commit()
        tasks.help_round.call_local()
        deliver_new(app, session, mark)
        if who is not None:
            expected.append(who)
        assert phones_reached(servers, before_sms) == expected, f"after {minutes} more minutes"
    session.refresh(call)
    assert call.stage == 3
    assert call.acknowledged_at is None
    # Every step is in the audit trail: who raised it, then each escalation with its stage and whom it went to.
    assert trail(session, call) == [
        ("help_call.raised", "resident", {"source": "kiosk", "resident_id": person.id}),
        ("help_call.escalated", "system", {"stage": 1, "to": "duty"}),
        ("help_call.escalated", "system", {"stage": 2, "to": "office"}),
        ("help_call.escalated", "system", {"stage": 3, "to": "family"}),
    ]


def test_an_acknowledged_call_stops_climbing(app, session, demo_community, make_resident, aliyun_sms, frozen):
    servers = aliyun_sms
    everyday = list(range(7))
    roster.add_entry(
        session, VAULT, OFFICE, demo_community, "guard", "门卫老李", GUARD, everyday, "00:00", "24:00"
    )
    roster.add_entry(
        session, VAULT, OFFICE, demo_community, "grid_worker", "小张", WORKER, everyday, "00:00", "24:00"
    )
    kiosk = session.scalar(select(Kiosk).where(Kiosk.community_id == demo_community.id))
    tasks = queue_of(app)
    before_sms = len(servers.received.accepted["aliyun"])
    mark = last_id(session)
    call = calls.raise_call(
        session, VAULT, Actor(type="anonymous"), demo_community, "attract", "https://linli.test", kiosk=kiosk
    )
    found = calls.by_token(session, calls.ack_token(VAULT, call.id))
    assert found is not None
    assert found.id == call.id
    calls.acknowledge(session, Actor(type="anonymous"), found, "老李")
    frozen.advance(minutes=10)
    session.commit()
    tasks.help_round.call_local()
    deliver_new(app, session, mark)
    assert phones_reached(servers, before_sms) == [GUARD]
    assert session.get(HelpCall, call.id).acknowledged_by_name == "老李"
    assert trail(session, call) == [
        ("help_call.raised", "anonymous", {"source": "attract", "resident_id": None}),
        ("help_call.acknowledged", "anonymous", None),
    ]
