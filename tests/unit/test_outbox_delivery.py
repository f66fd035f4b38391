"""Delivering the outbox (issue 17): one worker at a time holds a message, a dead worker's claim runs out,
failures that may pass are retried with growing delays until a final failure the console shows in words,
and the outbox is written in the transaction of the change (rolled back with it)."""

from __future__ import annotations

import socket
from datetime import timedelta

from sqlalchemy import select

from webapp.domain.messages import delivery
from webapp.domain.messages.outbox import Recipient, add, first_name
from webapp.infra import clock
from webapp.jobs.tasks import deliver_one
from webapp.models import ChannelSetting, Notification, OutboxMessage, OutboxStatus

LEASE = timedelta(seconds=60)


def group_message(session, community, channel="dingtalk"):
    (row,) = add(
        session, community.id, Recipient("group", None, "zh_Hans"), [channel], "escalated", {"number": "B-1"}
    )
    session.commit()
    return row


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_worker_holds_a_message_until_its_lease_runs_out(session, demo_community, frozen):
    row = group_message(session, demo_community)
    assert delivery.claim(session, row.id, "worker-a", LEASE) is not None
    assert delivery.claim(session, row.id, "worker-b", LEASE) is None  # taken
    frozen.advance(seconds=61)  # worker a died: its lease ran out
    again = delivery.claim(session, row.id, "worker-b", LEASE)
    assert again is not None
    assert again.attempts == 2
    assert not delivery.delivered(
        session, row.id, "worker-a"
    )  # the dead worker's late answer changes nothing
    assert delivery.delivered(session, row.id, "worker-b")


def test_an_unreachable_robot_is_retried_with_growing_delays_then_fails_in_words(
    app, session, demo_community, frozen
):
    session.add(
        ChannelSetting(
            community_id=demo_community.id,
            kind="dingtalk",
            label="Unreachable group",
            settings={"webhook": f"http://127.0.0.1:{closed_port()}/robot/send?access_token=x"},
        )
    )
    row = group_message(session, demo_community)
    delays = []
    for _attempt in range(delivery.MAX_ATTEMPTS):
        outcome = deliver_one(app, row.id, LEASE)
        session.expire_all()
        row = session.get(OutboxMessage, row.id)
        if outcome == OutboxStatus.FAILED:
            break
        assert outcome == OutboxStatus.PENDING
        delays.append(row.next_attempt_at - clock.now())
        frozen.advance(seconds=int(delays[-1].total_seconds()))
    assert delays == [timedelta(seconds=30 * 4**n) for n in range(delivery.MAX_ATTEMPTS - 1)]
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == delivery.MAX_ATTEMPTS
    assert row.last_error  # in words, for the console


def test_a_channel_not_set_up_fails_at_once_in_words(app, session, demo_community, frozen):
    row = group_message(session, demo_community, channel="wecom")
    assert deliver_one(app, row.id, LEASE) == OutboxStatus.FAILED
    session.expire_all()
    assert session.get(OutboxMessage, row.id).last_error == "No WeCom robot is set up for this community."


def test_the_outbox_is_written_and_rolled_back_with_the_change(session, make_resident):
    from tests.conftest import VAULT

    person = make_resident("张桂兰", phone_cipher=VAULT.encrypt("phone", "13500135000"))
    session.add(Notification(resident_id=person.id, kind="reminder", created_at=clock.now()))
    session.flush()
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == person.id)).all()
    assert [(r.channel, r.kind, r.params) for r in rows] == [("sms", "reminder", {"name": "桂兰"})]
    session.rollback()
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == person.id)).all() == []


def test_a_sms_names_a_first_name_only():
    assert first_name("王秀英") == "秀英"
    assert first_name("Ada Lovelace") == "Ada"


def test_a_period_is_claimed_once_and_old_claims_are_forgotten(app, session, frozen):
    from webapp.jobs.periods import claim_period, forget_old_periods
    from webapp.models import JobPeriod

    assert claim_period(app, "test_round", clock.now(), minutes=5)
    assert not claim_period(app, "test_round", clock.now() + timedelta(minutes=1), minutes=5)  # same period
    assert claim_period(app, "test_round", clock.now() + timedelta(minutes=5), minutes=5)  # the next one
    assert forget_old_periods(app, clock.now() + timedelta(days=3)) >= 2
    session.expire_all()
    assert session.scalars(select(JobPeriod).where(JobPeriod.name == "test_round")).all() == []
