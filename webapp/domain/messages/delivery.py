"""Delivering the outbox exactly once: claim a row atomically, send, mark; retry with growing delays.

The claim is one UPDATE that succeeds for one worker only (pending and due, or claimed by a worker whose lease
ran out), committed before anything is sent. What it closes and what it leaves:

- a worker that dies after claiming and before sending leaves a row whose lease runs out; the next sweep
  claims it again: never lost;
- two workers (or a task enqueued twice) never both hold a row: never sent twice by us;
- a worker that dies after the gateway accepted the message and before marking it delivered is the one window
  no database can close (the send and the commit are not one transaction). The row is taken over after its
  lease, and before it is sent again (as before any second attempt: a timeout can hide an acceptance too) a
  gateway that can be asked is asked whether it accepted the message, by the key the message carried
  (`webapp.jobs.tasks.asked_first`): Alibaba's QuerySendDetails by OutId, Tencent's
  PullSmsSendStatusByPhoneNumber by SessionContext, the development file by key. Accepted: marked delivered,
  not sent. Neither SMS gateway drops a repeat by key itself (their send calls are not idempotent).

What is left, said as it is:

- Tencent lists a message only once the carrier has reported on it: one accepted but still unreported when it
  is asked (a lease after the death; a phone switched off) is sent again, and may arrive twice.
- Alibaba lists a message from its acceptance; a repeat is possible only if its list lagged by more than the
  lease (60 s by default), which its documentation does not promise either way.
- Group robots (DingTalk, WeCom), e-mail and Web Push cannot be asked and take no key: a message that was
  mid-send when its worker died (milliseconds per send, at most one per sending thread) is sent again after
  the lease and may arrive twice. E-mail carries the same Message-ID each time (from the key), which some
  mailboxes use to fold the copies.
- A worker alive but slower than its lease would be overtaken: the lease (LINLI_QUEUE_LEASE) must stay well
  above the adapters' timeouts (8 s per HTTP request, 10 s per SMTP step).
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from webapp.domain.identity.accounts import email_of
from webapp.domain.identity.numbers import mask_last4
from webapp.domain.identity.vault import Vault
from webapp.domain.messages.preferences import QUIET, in_quiet_hours, next_allowed, preference_of
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import (
    Community,
    DutyEntry,
    EmergencyContact,
    FamilyMember,
    OutboxMessage,
    OutboxStatus,
    PushSubscription,
    Resident,
    StaffInvitation,
    StaffUser,
)

MAX_ATTEMPTS = 6
FIRST_DELAY = timedelta(seconds=30)
PHONE_KIND = "phone"  # the vault's kind for residents' numbers (register.residents)
# The vault's kind for a sign-in code carried sealed in an outbox row (family members' SMS codes): the row's
# params are plain JSON, and a code read from the database must not sign anyone in.
SEALED_CODE_KIND = "sms_code"


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, about 2 h: a gateway that is down for an hour still gets the message."""
    return FIRST_DELAY * (4 ** max(attempts - 1, 0))


def new_token() -> str:
    return uuid.uuid4().hex


def claim(session: Session, message_id: int, token: str, lease: timedelta) -> OutboxMessage | None:
    """Take the row for this worker until `lease` runs out, or None if another worker has it or it is done.
    The caller commits before sending, so that the claim is visible to every other worker."""
    now = clock.now()
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            or_(
                and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
                and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until <= now),
            ),
        )
        .values(
            status=OutboxStatus.SENDING,
            claim=token,
            lease_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    return row


@dataclass(frozen=True)
class Ready:
    """A claimed message with its address resolved, or the reason it cannot go now."""

    address: str = ""
    wait_until: datetime | None = None  # quiet hours: try again then (not counted as an attempt)
    skip: str = ""  # never sendable (the person moved away or was erased): in words
    secret_params: dict[str, str] = field(default_factory=dict)  # unsealed for the words only, never stored


def resolve(session: Session, vault: Vault, row: OutboxMessage) -> Ready:
    """Unseal the address at the last moment (it is never stored with the message) and keep quiet hours."""
    if row.recipient_kind == "staff":
        user = session.get(StaffUser, row.recipient_id) if row.recipient_id is not None else None
        if user is None or not user.is_active or user.email_cipher is None:
            return Ready(skip="The staff member has no e-mail address now, or the account is disabled.")
        return Ready(email_of(vault, user))
    if row.recipient_kind == "invitation":
        invitation = session.get(StaffInvitation, row.recipient_id) if row.recipient_id is not None else None
        if invitation is None or invitation.email_cipher is None:
            return Ready(skip="The invitation is gone.")
        if invitation.used_at is not None or invitation.expires_at <= clock.now():
            return Ready(skip="The invitation was used or has expired.")
        return Ready(email_of(vault, invitation))
    if row.recipient_kind == "push":
        phone = session.get(PushSubscription, row.recipient_id) if row.recipient_id is not None else None
        if phone is None:
            return Ready(skip="The phone no longer takes push messages (it unsubscribed).")
        return Ready(
            json.dumps({"endpoint": phone.endpoint, "keys": {"p256dh": phone.p256dh, "auth": phone.auth}})
        )
    if row.recipient_kind == "family":
        return _resolve_family(session, vault, row)
    if row.recipient_kind in ("duty", "contact"):
        return _sealed_phone(session, vault, row)
    if row.recipient_kind != "resident":
        return Ready("")  # a group robot's webhook is its address
    resident = session.get(Resident, row.recipient_id) if row.recipient_id is not None else None
    if resident is None or resident.erased_at is not None:
        return Ready(skip="The resident's record is gone.")
    if row.channel == "sms" and not row.alert:
        community = session.get(Community, row.community_id)
        pref = preference_of(session, resident.id)
        quiet = (pref.quiet_start, pref.quiet_end) if pref is not None else QUIET
        zone = community.timezone if community is not None else "Asia/Shanghai"
        now = clock.now()
        if in_quiet_hours(now, quiet, zone):
            return Ready(wait_until=next_allowed(now, quiet, zone))
    if row.channel == "sms":
        if resident.phone_cipher is None:
            return Ready(skip="No mobile number is on file.")
        return Ready(vault.decrypt(PHONE_KIND, resident.phone_cipher))
    return Ready("")


def _resolve_family(session: Session, vault: Vault, row: OutboxMessage) -> Ready:
    """A family member's sign-in code: to their own number, at once (they are waiting for it), the code
    unsealed only for the words of this one sending."""
    member = session.get(FamilyMember, row.recipient_id) if row.recipient_id is not None else None
    if member is None:
        return Ready(skip="The family member's record is gone.")
    if row.channel != "sms":
        return Ready(skip="Family members are reached by SMS only.")
    secret = {}
    sealed = row.params.get("code")
    if isinstance(sealed, str):
        secret["code"] = vault.decrypt(SEALED_CODE_KIND, base64.b64decode(sealed))
    return Ready(vault.decrypt(PHONE_KIND, member.phone_cipher), secret_params=secret)


def _sealed_phone(session: Session, vault: Vault, row: OutboxMessage) -> Ready:
    """A roster line's or an emergency contact's number (help calls, missed check-ins: alerts, by SMS)."""
    holder: DutyEntry | EmergencyContact | None = None
    if row.recipient_id is not None and row.recipient_kind == "duty":
        holder = session.get(DutyEntry, row.recipient_id)
    elif row.recipient_id is not None:
        holder = session.get(EmergencyContact, row.recipient_id)
    if holder is None:
        return Ready(skip="The phone number was removed.")
    if row.channel != "sms":
        return Ready(skip="Only a text message can reach this number.")
    return Ready(vault.decrypt(PHONE_KIND, holder.phone_cipher))


def _mine(row_id: int, token: str) -> Any:
    return and_(OutboxMessage.id == row_id, OutboxMessage.claim == token)


def delivered(session: Session, row_id: int, token: str, gateway_id: str = "") -> bool:
    """Mark it sent; False if this worker's lease had run out and another worker took it over."""
    result = session.execute(
        update(OutboxMessage)
        .where(_mine(row_id, token))
        .values(
            status=OutboxStatus.DELIVERED,
            sent_at=clock.now(),
            gateway_id=gateway_id[:100] or None,
            last_error=None,
            claim=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def not_delivered(
    session: Session, row: OutboxMessage, token: str, detail: str, retry: bool, at_least: float = 0
) -> str:
    """Record a refusal in words: try again later with a longer delay, or fail for good (the console shows
    it and offers a resend). Returns the new status. *at_least* seconds: what the refusal said to wait (a
    robot's minute): trying sooner would only be refused again and use up one of the message's attempts."""
    final = not retry or row.attempts >= MAX_ATTEMPTS
    status = OutboxStatus.FAILED if final else OutboxStatus.PENDING
    session.execute(
        update(OutboxMessage)
        .where(_mine(row.id, token))
        .values(
            status=status,
            last_error=(detail or "The gateway refused the message.")[:300],
            next_attempt_at=clock.now() + max(backoff(row.attempts), timedelta(seconds=at_least)),
            claim=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return status


def phone_gone(session: Session, row: OutboxMessage, token: str, detail: str) -> None:
    """The push service says the phone's subscription is gone: forget the phone (its other waiting messages
    are then skipped) and record this one as not sent, in words."""
    if row.recipient_kind == "push" and row.recipient_id is not None:
        phone = session.get(PushSubscription, row.recipient_id)
        if phone is not None:
            session.delete(phone)
    skipped(session, row, token, detail)


def postpone(session: Session, row: OutboxMessage, token: str, until: datetime) -> None:
    """Quiet hours: give the row back without counting the attempt."""
    session.execute(
        update(OutboxMessage)
        .where(_mine(row.id, token))
        .values(
            status=OutboxStatus.PENDING,
            next_attempt_at=until,
            attempts=OutboxMessage.attempts - 1,
            claim=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )


def skipped(session: Session, row: OutboxMessage, token: str, detail: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(_mine(row.id, token))
        .values(status=OutboxStatus.SKIPPED, last_error=detail[:300], claim=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def resend(session: Session, actor: Actor, row: OutboxMessage) -> OutboxMessage:
    """Send a message again from the console: a new row with a new key (a repeat of a delivered message is
    meant to arrive), the old row kept as it was for the record."""
    message_id = uuid.uuid4().hex
    copy = OutboxMessage(
        community_id=row.community_id,
        recipient_kind=row.recipient_kind,
        recipient_id=row.recipient_id,
        channel=row.channel,
        kind=row.kind,
        params=dict(row.params),
        locale=row.locale,
        key=f"{message_id}:{row.channel}",
        alert=row.alert,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=clock.now(),
        created_at=clock.now(),
    )
    session.add(copy)
    session.flush()
    record(session, actor, "messages.resend", "outbox_message", row.id, row.community_id, copy=copy.id)
    return copy


def recent(session: Session, community_id: int, limit: int = 100) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.community_id == community_id)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def recipient_label(row: OutboxMessage, resident: Resident | None, with_names: bool) -> str:
    """Who a message went to, as far as the viewer may know. With names (the office, which reads the
    register): the first name the message carried and, for an SMS, the number's last four digits. Without
    (a district administrator, who sees counts and never residents' records): only "resident" or the group,
    because a first name and a flat-less number are still personal data that crossed a community."""
    if row.recipient_kind == "group":
        return ""
    if not with_names:
        return "*"
    name = str(row.params.get("name", ""))
    if resident is not None and resident.phone_last4 and row.channel == "sms":
        return f"{name} · {mask_last4(resident.phone_last4, 11)}"
    return name


def counts_per_day(
    session: Session, community_id: int, timezone: str = "Asia/Shanghai", days: int = 7
) -> list[tuple[str, str, str, int]]:
    """(local day, channel, status, count) for the last `days` days, newest first: the console's summary."""
    zone = ZoneInfo(timezone)
    rows = session.execute(
        select(OutboxMessage.created_at, OutboxMessage.channel, OutboxMessage.status).where(
            OutboxMessage.community_id == community_id,
            OutboxMessage.created_at >= clock.now() - timedelta(days=days),
        )
    ).all()
    counts: dict[tuple[str, str, str], int] = {}
    for created, channel, status in rows:
        key = (created.astimezone(zone).date().isoformat(), channel, status)
        counts[key] = counts.get(key, 0) + 1
    return sorted(((d, c, s, n) for (d, c, s), n in counts.items()), reverse=True)
