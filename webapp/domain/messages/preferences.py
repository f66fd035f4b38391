"""Who hears what how: a resident's channels and quiet hours, chosen on the phone or at the office.

No SMS between 21:00 and 08:00 in the community's time zone unless the resident chose other hours; alerts
(a missed check-in, an escalation) ignore quiet hours because someone has to act on them now. A resident with
no choice recorded hears by SMS when a number is on file: the one channel that reaches every phone in China.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import GroupAlert, MessagePreference, Resident

# The channels a resident may choose; Web Push is offered by the phone app itself (subscribing there).
RESIDENT_CHANNELS = ("sms",)
QUIET = (21 * 60, 8 * 60)
QUEUES = ("office", "property", "provider")
GROUP_CHANNELS = ("dingtalk", "wecom")


class PreferenceError(DomainError):
    """A choice that cannot be kept; `reason` is "time" (not hours and minutes) or "channel" (not offered)."""

    code = "message_preference"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Choice:
    channels: list[str]
    quiet: tuple[int, int]  # minutes after local midnight: start, end


def channels_for(session: Session, resident: Resident) -> Choice:
    """The channels a message to this resident goes through now (SMS only with a number on file)."""
    pref = session.scalar(select(MessagePreference).where(MessagePreference.resident_id == resident.id))
    chosen = pref.channels.split(",") if pref is not None else list(RESIDENT_CHANNELS)
    quiet = (pref.quiet_start, pref.quiet_end) if pref is not None else QUIET
    channels = [c for c in chosen if c in RESIDENT_CHANNELS and (c != "sms" or resident.phone_cipher)]
    return Choice(channels, quiet)


def in_quiet_hours(at: datetime, quiet: tuple[int, int], timezone: str) -> bool:
    local = at.astimezone(ZoneInfo(timezone))
    minute = local.hour * 60 + local.minute
    start, end = quiet
    if start == end:
        return False
    return start <= minute or minute < end if start > end else start <= minute < end


def next_allowed(at: datetime, quiet: tuple[int, int], timezone: str) -> datetime:
    """*at* itself outside quiet hours, else the moment they end (local time, as an aware UTC datetime)."""
    if not in_quiet_hours(at, quiet, timezone):
        return at
    zone = ZoneInfo(timezone)
    local = at.astimezone(zone)
    end = time(quiet[1] // 60, quiet[1] % 60)
    candidate = datetime.combine(local.date(), end, tzinfo=zone)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(at.tzinfo)


def _minutes(text: str) -> int:
    try:
        hours, minutes = text.split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise PreferenceError("time") from None
    if not 0 <= value < 24 * 60:
        raise PreferenceError("time")
    return value


def choose(
    session: Session, actor: Actor, resident: Resident, channels: list[str], quiet_start: str, quiet_end: str
) -> MessagePreference:
    """Record a resident's choice; staff choosing for a resident at the office is audited (with consent)."""
    unknown = [c for c in channels if c not in RESIDENT_CHANNELS]
    if unknown:
        raise PreferenceError("channel")
    start, end = _minutes(quiet_start), _minutes(quiet_end)
    pref = session.scalar(select(MessagePreference).where(MessagePreference.resident_id == resident.id))
    if pref is None:
        pref = MessagePreference(resident_id=resident.id)
        session.add(pref)
    pref.channels = ",".join(channels)
    pref.quiet_start, pref.quiet_end = start, end
    pref.updated_at = clock.now()
    pref.set_by_staff_id = actor.id if actor.type == "staff" else None
    if actor.type == "staff":
        record(session, actor, "messages.preferences_set", "resident", resident.id, resident.community_id)
    session.flush()
    return pref


def preference_of(session: Session, resident_id: int) -> MessagePreference | None:
    return session.scalar(select(MessagePreference).where(MessagePreference.resident_id == resident_id))


def set_group_alerts(session: Session, actor: Actor, community_id: int, chosen: set[tuple[str, str]]) -> None:
    """Which staff group channel hears about which queue: replaces the community's whole choice."""
    for queue, channel in chosen:
        if queue not in QUEUES or channel not in GROUP_CHANNELS:
            raise PreferenceError("channel")
    for row in session.scalars(select(GroupAlert).where(GroupAlert.community_id == community_id)):
        session.delete(row)
    session.flush()
    for queue, channel in sorted(chosen):
        session.add(GroupAlert(community_id=community_id, queue=queue, channel=channel))
    record(session, actor, "messages.group_alerts_set", "community", community_id, community_id)
    session.flush()


def group_alerts(session: Session, community_id: int) -> set[tuple[str, str]]:
    rows = session.execute(
        select(GroupAlert.queue, GroupAlert.channel).where(GroupAlert.community_id == community_id)
    )
    return {(queue, channel) for queue, channel in rows}
