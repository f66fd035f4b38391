"""The worker's tasks: deliver the outbox, and the periodic rounds (escalation, reminders, the daily missed
check-in sweep, digests), each calling the core in a unit of work of its own.

A delivery claims its row (committed), sends outside any transaction, then marks the row; a second attempt
first asks a gateway that can be asked whether the first one got through: see
`webapp.domain.messages.delivery` for the window this closes and the one it leaves. A periodic round claims
its period in the database first, so that three workers (each with its own scheduler) run it once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from huey import Huey, crontab

from webapp.domain.identity.vault import Vault
from webapp.domain.messages import delivery
from webapp.domain.messages.channels import configured
from webapp.domain.messages.outbox import PUSH, due, next_lease_end
from webapp.domain.messages.staff_mail import open_params
from webapp.domain.messages.wording import override_of
from webapp.infra import clock
from webapp.infra.channels.base import NOT_FOUND, Askable, Channel, Envelope, Sent
from webapp.infra.channels.registry import build
from webapp.infra.unit_of_work import job
from webapp.jobs import webhooks
from webapp.jobs.periods import claim_period, forget_old_periods
from webapp.jobs.wording import TEMPLATE_OF, template_params, words
from webapp.models import OutboxMessage, OutboxStatus
from webapp.shared.channels import instance_settings
from webapp.shared.push import payload

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("linli.jobs")
SWEEP_BATCH = 2000


def channel_for(app: Flask, session: Any, vault: Vault, row: OutboxMessage) -> Channel | None:
    """The community's enabled adapter for the row's channel ("sms" is whichever SMS gateway is set up), with
    the instance's own settings filled in as the console's test button has them (the development SMS file
    in the instance folder, Web Push's key): a message goes where the test message went."""
    for kind, settings in configured(session, row.community_id, vault):
        if kind == row.channel or (row.channel == "sms" and kind.startswith("sms_")):
            return build(kind, instance_settings(app, kind, settings))
    if row.channel == PUSH:  # the instance's own VAPID key: phones subscribed themselves, nothing to set up
        return build(PUSH, instance_settings(app, PUSH, {}))
    return None


NOT_SET_UP = {
    "sms": "No SMS gateway is set up for this community.",
    "dingtalk": "No DingTalk robot is set up for this community.",
    "wecom": "No WeCom robot is set up for this community.",
    "email": "No e-mail server is set up for this community.",
}


def deliver_one(app: Flask, message_id: int, lease: timedelta) -> str:
    """Claim, send and mark one message; returns what became of it ("taken" when another worker has it)."""
    vault = Vault.from_master(app.config["LINLI"].encryption_key)
    token = delivery.new_token()
    with app.app_context(), job(app) as session:
        row = delivery.claim(session, message_id, token, lease)
        if row is None:
            return "taken"
        ready = delivery.resolve(session, vault, row)
        if ready.skip:
            delivery.skipped(session, row, token, ready.skip)
            return OutboxStatus.SKIPPED
        if ready.wait_until is not None:
            delivery.postpone(session, row, token, ready.wait_until)
            return "postponed"
        channel = channel_for(app, session, vault, row)
        if channel is None:
            delivery.not_delivered(session, row, token, NOT_SET_UP.get(row.channel, "Not set up."), False)
            return OutboxStatus.FAILED
        override = override_of(session, row.community_id, row.kind, row.locale)
        # Sealed values (an invitation's link, a family member's code) are opened for this sending only.
        params = {**open_params(vault, row.params), **ready.secret_params}
        if row.channel == PUSH:  # what a locked phone may show: that a ticket has news, and its number
            subject, text = "", payload(row.kind, str(params.get("number", "")), row.locale)
        else:
            subject, text = words(row.kind, params, row.locale, override)
        envelope = Envelope(
            address=ready.address,
            text=text,
            key=row.key,
            subject=subject,
            template=TEMPLATE_OF.get(row.kind, ""),
            params=template_params(row.kind, params, row.locale),
        )
        # A second attempt or later: the one before may have reached the gateway (a worker killed between its
        # send and its mark, an answer lost to a timeout). A gateway that can be asked is asked first.
        in_doubt = row.attempts > 1 and callable(getattr(channel, "accepted", None))
        written_at = row.created_at
    # Sent outside any transaction: a slow gateway holds no lock; the claim (committed) keeps others off.
    try:
        sent = asked_first(channel, envelope, written_at) if in_doubt else channel.send(envelope)
    except Exception as exc:  # noqa: BLE001 (an adapter's bug must not leave the row claimed for nothing)
        log.exception("channel %s raised", row.channel)
        sent = Sent(ok=False, retry=True, detail=f"The adapter failed: {type(exc).__name__}.")
    with app.app_context(), job(app) as session:
        if sent.ok:
            delivery.delivered(session, message_id, token, sent.gateway_id)
            return OutboxStatus.DELIVERED
        row = session.get(OutboxMessage, message_id)
        assert row is not None  # noqa: S101 (claimed above; rows are never deleted)
        if sent.code == "gone":
            delivery.phone_gone(session, row, token, sent.detail)
            return OutboxStatus.SKIPPED
        return delivery.not_delivered(session, row, token, sent.detail, sent.retry, sent.retry_after)


def asked_first(channel: Channel, envelope: Envelope, written_at: datetime) -> Sent:
    """Send unless the gateway says it accepted the message already: then it counts as sent, once. When the
    gateway cannot say (unreachable, the query refused), nothing is sent now: the attempt ends in those words
    and the next one asks again, rather than risk the person getting it twice."""
    known = cast(Askable, channel).accepted(envelope, written_at)
    if known.ok or known.code != NOT_FOUND:
        return known
    return channel.send(envelope)


@dataclass
class Tasks:
    """The tasks bound to one Huey and one app; `wake()` is what the web app calls after a commit."""

    huey: Huey
    deliver: Any
    sweep: Any
    desk_round: Any
    care_sweep: Any
    digest: Any
    backup_round: Any
    help_round: Any
    deliver_webhook: Any = None
    webhook_sweep: Any = None

    def wake(self, outbox: bool = True, webhooks: bool = False) -> None:
        if outbox:
            self.sweep()
        if webhooks and self.webhook_sweep is not None:
            self.webhook_sweep()


def register(huey: Huey, app: Flask) -> Tasks:
    lease = timedelta(seconds=app.config["LINLI"].queue_lease)
    deliver_webhook, webhook_sweep = webhooks.register(huey, app)

    @huey.task(name="deliver")
    def deliver(message_id: int) -> str:
        outcome = deliver_one(app, message_id, lease)
        if outcome == OutboxStatus.PENDING or outcome == "postponed":
            with job(app) as session:
                row = session.get(OutboxMessage, message_id)
                wait = (row.next_attempt_at - clock.now()).total_seconds() if row else 0
            deliver.schedule(args=(message_id,), delay=max(1, int(wait)))
        return outcome

    @huey.task(name="sweep")
    def sweep() -> int:
        """Enqueue every due message, and come back when the earliest claim of a dead worker runs out."""
        with job(app) as session:
            ids = due(session, SWEEP_BATCH)
            lease_end = next_lease_end(session)
        for message_id in ids:
            deliver(message_id)
        if lease_end is not None:
            sweep.schedule(delay=max(1, int((lease_end - clock.now()).total_seconds()) + 1))
        return len(ids)

    @huey.periodic_task(crontab(minute="*"), name="sweep_every_minute")
    def sweep_every_minute() -> None:
        if claim_period(app, "sweep", clock.now(), minutes=1):  # one sweep a minute, however many workers
            sweep.call_local()
            webhook_sweep.call_local()

    @huey.periodic_task(crontab(minute="*/5"), name="desk_round_every_five_minutes")
    def desk_round_every_five_minutes() -> None:
        desk_round.call_local()  # Huey keeps no result of a periodic task: the round itself is a plain one

    @huey.task(name="desk_round")
    def desk_round() -> str:
        """Escalate overdue tickets and send booking and class reminders (their messages go out through
        the outbox, written in the same transaction)."""
        if not claim_period(app, "desk_round", clock.now(), minutes=5):
            return "already run"
        from webapp.domain.desk.bookings import send_reminders
        from webapp.domain.desk.tickets import escalate_overdue
        from webapp.domain.life.events import send_reminders as send_event_reminders
        from webapp.domain.training.courses import send_reminders as send_class_reminders

        with app.app_context(), job(app) as session:
            escalated = escalate_overdue(session)
            reminded = send_reminders(session) + send_class_reminders(session) + send_event_reminders(session)
        sweep()
        return f"escalated {len(escalated)}, reminded {reminded}"

    @huey.periodic_task(crontab(minute="*/15"), name="care_sweep")
    def care_sweep() -> int:
        """Once a day, after each community's check time: tell the office group how many residents living
        alone have not checked in (a count, never names: the care list in the console has those). And every
        round (once per 15 minutes across workers): start the alert chain of each resident whose own daily
        check-in time passed without a sign of life (issue 18; once per resident and day)."""
        from webapp.domain.kiosk.care import care_list, check_time_passed
        from webapp.domain.messages.outbox import to_group
        from webapp.domain.register.community import local_now
        from webapp.models import Community

        sent = 0
        # Which communities are due is read first and the read ends: claiming a period takes the write lock
        # in a session of its own, which on SQLite would wait forever behind an open outer transaction.
        with app.app_context(), job(app) as session:
            due = [
                (community.id, local_now(community).date().isoformat())
                for community in session.query(Community).filter(Community.archived_at.is_(None))
                if check_time_passed(community)
            ]
        for community_id, day in due:
            if not claim_period(app, f"care_sweep:{community_id}", clock.now(), label=day):
                continue
            with app.app_context(), job(app) as session:
                community = session.get(Community, community_id)
                missing = len(care_list(session, community)) if community is not None else 0
                if missing:
                    sent += len(to_group(session, community_id, "office", "care_alert", {"count": missing}))
        if claim_period(app, "checkin_round", clock.now(), minutes=15):
            from webapp.domain.safety.checkin import raise_missed

            vault = Vault.from_master(app.config["LINLI"].encryption_key)
            with app.app_context(), job(app) as session:
                for community in session.query(Community).filter(Community.archived_at.is_(None)):
                    sent += len(raise_missed(session, vault, app.config["LINLI"].base_url, community))
        if sent:
            sweep()
        return sent

    @huey.periodic_task(crontab(minute="*"), name="help_round_every_minute")
    def help_round_every_minute() -> None:
        help_round.call_local()

    @huey.task(name="help_round")
    def help_round() -> int:
        """Every minute: help calls nobody acknowledged in time go to the next step of their chain (the next
        person on duty, the office's phones, the family), once per minute across workers."""
        if not claim_period(app, "help_round", clock.now(), minutes=1):
            return 0
        from webapp.domain.safety.calls import escalate_due

        vault = Vault.from_master(app.config["LINLI"].encryption_key)
        with app.app_context(), job(app) as session:
            sent = escalate_due(session, vault, app.config["LINLI"].base_url)
        if sent:
            sweep()
        return sent

    @huey.periodic_task(crontab(minute="0", hour="*"), name="digest")
    def digest() -> str:
        """The hourly e-mail digest of each person's queues (counts only), to those who chose it and only
        when their counts changed; claimed once per hour across workers."""
        if not claim_period(app, "digest", clock.now(), minutes=60):
            return "already run"
        forget_old_periods(app, clock.now())
        from webapp.domain.desk.queue import scope_of, work_counts
        from webapp.domain.messages.staff_mail import digest_readers, digest_to

        sent = 0
        with app.app_context(), job(app) as session:
            for user in digest_readers(session):
                counts = work_counts(session, scope_of(user))
                queued = digest_to(
                    session, user, {"new": counts.new, "overdue": counts.overdue, "urgent": counts.urgent}
                )
                sent += len(queued)
        if sent:
            sweep()
        return f"{sent} digests"

    @huey.periodic_task(crontab(minute="20", hour="*"), name="backup_every_hour")
    def backup_every_hour() -> None:
        backup_round.call_local()

    @huey.task(name="backup_round")
    def backup_round() -> str:
        """The day's backup, made by the one worker that claims the day (webapp/jobs/backups.py)."""
        from webapp.jobs.backups import day_due, run_backup

        now = clock.now()
        day = day_due(app.config["LINLI"], now)
        if day is None:
            return "not due"
        if not claim_period(app, "backup", now, label=day):
            return "already run"
        run = run_backup(app)
        if not run.ok:
            sweep()  # the alert goes out now
        return f"backup {run.archive} ({run.size} bytes)" if run.ok else f"backup failed: {run.detail}"

    return Tasks(
        huey,
        deliver,
        sweep,
        desk_round,
        care_sweep,
        digest,
        backup_round,
        help_round,
        deliver_webhook,
        webhook_sweep,
    )
