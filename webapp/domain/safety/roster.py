"""The duty roster: who answers a help call at which hours, and the office's phone list after them.

A line is a named phone (a community worker, a grid worker, the property guard room) for some weekdays
between two local times; lines are tried in roster order. The office's list (kind "office") is tried after
everyone on duty, at any hour.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError, has_control_characters
from webapp.domain.identity.numbers import InvalidPhone, mask_last4, normalise_phone
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import Community, DutyEntry, DutyKind, StaffRole

PHONE_KIND = "phone"
ACK_MINUTES = range(1, 31)  # how long a step of a help call waits for an acknowledgement: 1 to 30 minutes


class RosterError(DomainError):
    code = "roster"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "name", "phone", "time", "weekdays", "kind", "staff", "not_found", "minutes"


def minutes_of(text: str) -> int:
    """ "08:30" → 510; "24:00" is the end of the day."""
    try:
        hours, minutes = (text or "").strip().split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise RosterError("time") from None
    if not 0 <= value <= 24 * 60 or not 0 <= int(minutes) < 60:
        raise RosterError("time")
    return value


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def add_entry(
    session: Session,
    vault: Vault,
    actor: Actor,
    community: Community,
    kind: str,
    name: str,
    phone: str,
    weekdays: list[int],
    start: str,
    end: str,
    staff_user_id: int | None = None,
) -> DutyEntry:
    """Add a line at the end of the roster; the phone number is sealed and shown masked from then on."""
    if kind not in DutyKind._value2member_map_:
        raise RosterError("kind")
    clean = " ".join((name or "").split())
    if not clean or len(clean) > 64 or has_control_characters(clean):
        raise RosterError("name")
    try:
        number = normalise_phone(phone or "")
    except InvalidPhone:
        raise RosterError("phone") from None
    days = sorted({d for d in weekdays if 0 <= d <= 6})
    if not days:
        raise RosterError("weekdays")
    start_minute, end_minute = minutes_of(start), minutes_of(end)
    if start_minute == end_minute:
        raise RosterError("time")
    if staff_user_id is not None:
        held = session.scalar(
            select(StaffRole.id).where(
                StaffRole.staff_user_id == staff_user_id, StaffRole.community_id == community.id
            )
        )
        if held is None:
            raise RosterError("staff")
    last = session.scalars(
        select(DutyEntry.position)
        .where(DutyEntry.community_id == community.id)
        .order_by(DutyEntry.position.desc())
        .limit(1)
    ).first()
    entry = DutyEntry(
        community_id=community.id,
        kind=DutyKind(kind),
        staff_user_id=staff_user_id,
        name=clean,
        phone_cipher=vault.encrypt(PHONE_KIND, number),
        phone_last4=number[-4:],
        weekdays="".join(str(d) for d in days),
        start_minute=start_minute,
        end_minute=end_minute,
        position=(last + 1) if last is not None else 0,
        created_at=clock.now(),
    )
    session.add(entry)
    session.flush()
    record(session, actor, "safety.roster_added", "community", community.id, community.id, kind=kind)
    return entry


def remove_entry(session: Session, actor: Actor, community: Community, entry_id: int) -> None:
    entry = session.get(DutyEntry, entry_id)
    if entry is None or entry.community_id != community.id:
        raise RosterError("not_found")
    session.delete(entry)
    session.flush()
    record(session, actor, "safety.roster_removed", "community", community.id, community.id)


def set_ack_minutes(session: Session, actor: Actor, community: Community, minutes: int | None) -> None:
    """How many minutes each person alerted has to acknowledge a help call before the next one is alerted
    (None: the office wrote no whole number)."""
    if minutes is None or minutes not in ACK_MINUTES:
        raise RosterError("minutes")
    before = community.help_ack_minutes
    community.help_ack_minutes = minutes
    session.flush()
    record(
        session,
        actor,
        "safety.ack_minutes_set",
        "community",
        community.id,
        community.id,
        before=before,
        minutes=minutes,
    )


def roster(session: Session, community_id: int) -> list[DutyEntry]:
    return list(
        session.scalars(
            select(DutyEntry)
            .where(DutyEntry.community_id == community_id)
            .order_by(DutyEntry.position, DutyEntry.id)
        )
    )


def masked_phone(entry: DutyEntry) -> str:
    return mask_last4(entry.phone_last4, 11)


def covers(entry: DutyEntry, local: datetime) -> bool:
    """Is this line on duty at this local time? A shift past midnight (22:00–06:00) belongs to the weekday
    it started on."""
    minute = local.hour * 60 + local.minute
    start, end = entry.start_minute, entry.end_minute
    if start < end:
        return str(local.weekday()) in entry.weekdays and start <= minute < end
    if minute >= start:
        return str(local.weekday()) in entry.weekdays
    return minute < end and str((local.weekday() - 1) % 7) in entry.weekdays


def on_duty(session: Session, community: Community, at: datetime) -> list[DutyEntry]:
    """Who answers a help call at `at`, in roster order (the office's list is not among them)."""
    local = at.astimezone(ZoneInfo(community.timezone))
    return [
        entry
        for entry in roster(session, community.id)
        if entry.kind is not DutyKind.OFFICE and covers(entry, local)
    ]


def office_list(session: Session, community_id: int) -> list[DutyEntry]:
    return [entry for entry in roster(session, community_id) if entry.kind is DutyKind.OFFICE]
