"""A failing channel never blocks the request that caused the message (issue 17): with the SMS gateway a black
hole (it takes the connection and never answers), or the district's Redis queue one, a staff member's status
change still answers at once and the message waits in the outbox for the worker."""

from __future__ import annotations

import contextlib
import socket
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace

import pytest
import redis
from sqlalchemy import select

from tests.conftest import VAULT, csrf_token
from tests.integration import gateways as gw
from webapp.domain.desk.tickets import submit
from webapp.domain.messages import channels
from webapp.domain.messages.channels import ChannelInput
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.infra.channels.common import TIMEOUT
from webapp.infra.queue import EXTENSION, make_huey
from webapp.jobs.tasks import register
from webapp.models import ChannelSetting, MessagePreference, OutboxMessage, OutboxStatus, ServiceType


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port whose connections are taken and never answered (`answers=True`: the kernel completes them, the
    server never reads), and whose further connections are never even completed once its queue is full."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):  # fill the accept queue: later connects hang until their own timeout
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    yield port
    for filler in fillers:
        filler.close()
    server.close()


def _a_ticket_with_sms(session, demo_community, make_resident):
    person = make_resident("王秀英", phone_cipher=VAULT.encrypt("phone", "13900139088"))
    session.add(MessagePreference(resident_id=person.id, channels="sms", quiet_start=0, quiet_end=0))
    lift = session.scalar(
        select(ServiceType).where(
            ServiceType.community_id == demo_community.id, ServiceType.code == "repair-lift"
        )
    )
    ticket = submit(
        session,
        Actor(type="resident", id=person.id),
        person,
        lift,
        {"urgent": "no"},
        "phone",
        household_id=person.household_id,
    ).request
    session.commit()
    return person, ticket


def _change_status(client, ticket) -> tuple[int, float]:
    token = csrf_token(client, f"/staff/tickets/{ticket.id}")
    started = time.monotonic()
    answer = client.post(f"/staff/tickets/{ticket.id}/status", data={"csrf_token": token, "to": "accepted"})
    return answer.status_code, time.monotonic() - started


def test_an_unreachable_sms_gateway_does_not_hold_the_request(
    client, auth, session, demo_community, make_resident, black_hole
):
    for other in session.scalars(
        select(ChannelSetting).where(ChannelSetting.community_id == demo_community.id)
    ):
        other.enabled = False
    plain = {
        "access_key_id": gw.ALIYUN_ID,
        "sign_name": "邻里社区",
        "template_ticket": "SMS_100002",
        "endpoint": f"http://127.0.0.1:{black_hole}/",
    }
    channels.add(
        session,
        VAULT,
        SYSTEM,
        demo_community.id,
        ChannelInput("sms_aliyun", "黑洞", True, plain, {"access_key_secret": gw.ALIYUN_SECRET}),
    )
    person, ticket = _a_ticket_with_sms(session, demo_community, make_resident)
    with pytest.raises(
        OSError, match="timed out"
    ):  # the gateway really answers nobody: a request to it times out
        urllib.request.urlopen(f"http://127.0.0.1:{black_hole}/", data=b"x", timeout=1)  # noqa: S310
    auth.sign_in("admin")
    status, took = _change_status(client, ticket)
    assert status == 303
    # Waiting for the gateway would take its whole timeout (8 s): half of it leaves a loaded machine room.
    assert took < TIMEOUT / 2, took
    session.expire_all()
    sms = session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_id == person.id, OutboxMessage.channel == "sms")
    ).all()
    assert [(m.kind, m.status) for m in sms] == [("ticket_status", OutboxStatus.PENDING)]  # for the worker


def test_an_unreachable_redis_queue_gives_up_in_seconds_and_the_request_still_answers(
    app, client, auth, session, demo_community, make_resident, black_hole, monkeypatch
):
    settings = replace(app.config["LINLI"], queue_url=f"redis://127.0.0.1:{black_hole}/0")
    huey = make_huey(settings)
    started = time.monotonic()
    with pytest.raises((redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
        huey.storage.conn.ping()
    assert (
        time.monotonic() - started < 10
    )  # about 2 s: not redis-py's default retries (26 s here), nor TCP's minutes
    # The app's queue is that Redis: a district whose Redis is down.
    monkeypatch.setitem(app.extensions, EXTENSION, register(huey, app))
    person, ticket = _a_ticket_with_sms(session, demo_community, make_resident)
    auth.sign_in("admin")
    status, took = _change_status(client, ticket)
    assert status == 303  # the change stands: waking the worker failed after the commit, in the log only
    assert took < 10, took
    session.expire_all()
    assert session.scalars(
        select(OutboxMessage.status).where(
            OutboxMessage.recipient_id == person.id, OutboxMessage.channel == "sms"
        )
    ).all() == [OutboxStatus.PENDING]  # the worker's sweep finds it once Redis is back
