"""Notices: who a notice is for, which ones are current, "I have read this", and who has not read it.

The audience rule lives here once in two forms that must agree (tests check both on the same people): a
Python test for one resident's feed and a SQL condition for the staff's "not read yet" list. Lobby screens
are public, so they only show notices for everyone or for whole buildings; a notice aimed at a group
(80+, living alone, …) reaches its people personally, on their phone or at the kiosk after a scan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.domain import DomainError, ensure_open
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.register.community import birth_date_cutoff, local_now
from webapp.infra import clock
from webapp.models import Building, Community, Household, Notice, NoticeGroup, NoticeRead, Resident

LOCALES = ("zh_Hans", "zh_Hant", "en")
TITLE_MAX = 120
SUMMARY_MAX = 300
BODY_MAX = 4000


class NoticeError(DomainError):
    code = "notice"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "not_for_you", "not_current"


def _aged(years: int) -> tuple[Callable[[Resident, date], bool], Callable[[date], ColumnElement[bool]]]:
    def person(resident: Resident, today: date) -> bool:
        age = resident.age_on(today)
        return age is not None and age >= years

    return person, lambda today: Resident.birth_date <= birth_date_cutoff(today, years)


# Each group as (test on one resident, SQL condition); facts are kept only with consent, so both read them.
GROUP_RULES: dict[
    NoticeGroup, tuple[Callable[[Resident, date], bool], Callable[[date], ColumnElement[bool]]]
] = {
    NoticeGroup.AGED_80: _aged(80),
    NoticeGroup.AGED_60: _aged(60),
    NoticeGroup.LIVES_ALONE: (lambda r, _d: r.lives_alone, lambda _d: Resident.lives_alone.is_(True)),
    NoticeGroup.DISABILITY: (lambda r, _d: r.has_disability, lambda _d: Resident.has_disability.is_(True)),
}


def is_public(notice: Notice) -> bool:
    """For everyone (or whole buildings): fit for a lobby screen that anyone passing can read."""
    return not notice.groups


def is_current(notice: Notice, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return (
        notice.withdrawn_at is None
        and notice.starts_at <= now
        and (notice.ends_at is None or now < notice.ends_at)
    )


def local_today(notice_or_resident: Notice | Resident) -> date:
    return local_now(notice_or_resident.community).date()


def is_for(notice: Notice, resident: Resident, today: date) -> bool:
    """Whether *resident* is in the notice's audience (see audience_condition for the same rule in SQL)."""
    if resident.community_id != notice.community_id or resident.moved_out_at or resident.erased_at:
        return False
    if notice.building_ids:
        building = resident.household.building_id if resident.household else None
        if building not in notice.building_ids:
            return False
    if notice.groups:
        return any(GROUP_RULES[NoticeGroup(g)][0](resident, today) for g in notice.groups)
    return True


def audience_condition(notice: Notice, today: date) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [
        Resident.community_id == notice.community_id,
        Resident.moved_out_at.is_(None),
        Resident.erased_at.is_(None),
    ]
    if notice.building_ids:
        flats = select(Household.id).where(Household.building_id.in_(notice.building_ids))
        conditions.append(Resident.household_id.in_(flats))
    if notice.groups:
        conditions.append(or_(*(GROUP_RULES[NoticeGroup(g)][1](today) for g in notice.groups)))
    return and_(*conditions)


def current_notices(session: Session, community_id: int, public_only: bool = False) -> list[Notice]:
    """Notices showing now, urgent first, then newest."""
    now = clock.now()
    rows = session.scalars(
        select(Notice)
        .where(
            Notice.community_id == community_id,
            Notice.withdrawn_at.is_(None),
            Notice.starts_at <= now,
            or_(Notice.ends_at.is_(None), Notice.ends_at > now),
        )
        .order_by(Notice.urgent.desc(), Notice.starts_at.desc(), Notice.id.desc())
        .limit(50)
    ).all()
    return [n for n in rows if is_public(n)] if public_only else list(rows)


def notices_for(session: Session, resident: Resident) -> list[Notice]:
    today = local_today(resident)
    return [n for n in current_notices(session, resident.community_id) if is_for(n, resident, today)]


def read_ids(session: Session, resident_id: int, notice_ids: list[int]) -> set[int]:
    if not notice_ids:
        return set()
    return set(
        session.scalars(
            select(NoticeRead.notice_id).where(
                NoticeRead.resident_id == resident_id, NoticeRead.notice_id.in_(notice_ids)
            )
        )
    )


def unread_urgent(session: Session, resident: Resident) -> list[Notice]:
    """Urgent notices for this resident not yet acknowledged: they stay on top of the phone home."""
    urgent = [n for n in notices_for(session, resident) if n.urgent]
    done = read_ids(session, resident.id, [n.id for n in urgent])
    return [n for n in urgent if n.id not in done]


def mark_read(session: Session, actor: Actor, notice: Notice, resident: Resident, channel: str) -> NoticeRead:
    """One tap: "I have read this". Tapping twice (or on two devices at once) keeps the first."""
    if not is_current(notice):
        raise NoticeError("not_current")
    if not is_for(notice, resident, local_today(resident)):
        raise NoticeError("not_for_you")
    existing = session.scalar(
        select(NoticeRead).where(NoticeRead.notice_id == notice.id, NoticeRead.resident_id == resident.id)
    )
    if existing is not None:
        return existing
    entry = NoticeRead(notice_id=notice.id, resident_id=resident.id, at=clock.now(), channel=channel[:32])
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        return session.scalars(
            select(NoticeRead).where(NoticeRead.notice_id == notice.id, NoticeRead.resident_id == resident.id)
        ).one()
    record(session, actor, "notice.read", "notice", notice.id, notice.community_id)
    return entry


@dataclass(frozen=True)
class ReadCount:
    read: int
    audience: int

    @property
    def not_read(self) -> int:
        return self.audience - self.read


def read_count(session: Session, notice: Notice) -> ReadCount:
    condition = audience_condition(notice, local_today(notice))
    audience = session.scalar(select(func.count(Resident.id)).where(condition)) or 0
    read = (
        session.scalar(
            select(func.count(NoticeRead.id))
            .join(Resident, Resident.id == NoticeRead.resident_id)
            .where(NoticeRead.notice_id == notice.id, condition)
        )
        or 0
    )
    return ReadCount(read=read, audience=audience)


def not_read(session: Session, notice: Notice, limit: int = 500) -> list[Resident]:
    """People in the audience who have not confirmed, by building and flat: the door-knocking list."""
    done = select(NoticeRead.resident_id).where(NoticeRead.notice_id == notice.id)
    return list(
        session.scalars(
            select(Resident)
            .outerjoin(Household, Household.id == Resident.household_id)
            .where(audience_condition(notice, local_today(notice)), Resident.id.not_in(done))
            .order_by(Household.label, Resident.name, Resident.id)
            .limit(limit)
        )
    )


def check_notice(values: dict[str, Any], building_ids: set[int]) -> dict[str, str]:
    """Field -> error code for a notice form; an empty dict means it can be saved."""
    errors: dict[str, str] = {}
    if not (values["titles"].get("zh_Hans") or "").strip():
        errors["title_zh_Hans"] = "required"
    if not (values["bodies"].get("zh_Hans") or "").strip():
        errors["body_zh_Hans"] = "required"
    for loc in LOCALES:
        if len(values["titles"].get(loc) or "") > TITLE_MAX:
            errors[f"title_{loc}"] = "too_long"
        if len(values["summaries"].get(loc) or "") > SUMMARY_MAX:
            errors[f"summary_{loc}"] = "too_long"
        if len(values["bodies"].get(loc) or "") > BODY_MAX:
            errors[f"body_{loc}"] = "too_long"
    if values["starts_at"] is None:
        errors["starts"] = "bad_date"
    if values.get("ends_bad"):
        errors["ends"] = "bad_date"
    elif values["starts_at"] and values["ends_at"] and values["ends_at"] <= values["starts_at"]:
        errors["ends"] = "ends_before_start"
    if not set(values["building_ids"]) <= building_ids:
        errors["buildings"] = "unknown_building"
    if not set(values["groups"]) <= {g.value for g in NoticeGroup}:
        errors["groups"] = "bad_choice"
    return errors


def save_notice(
    session: Session, actor: Actor, community_id: int, notice: Notice | None, values: dict[str, Any]
) -> Notice:
    """Create or change a notice (values already checked); read receipts stay with it. Not in an archived
    community: its notices stay readable, none is published or changed (whoever asks: console or API key)."""
    ensure_open(session.get(Community, community_id))
    if notice is None:
        notice = Notice(community_id=community_id, created_by_id=actor.id if actor.type == "staff" else None)
        session.add(notice)
    notice.titles = {k: v.strip() for k, v in values["titles"].items() if v and v.strip()}
    notice.bodies = {k: v.strip() for k, v in values["bodies"].items() if v and v.strip()}
    notice.summaries = {k: v.strip() for k, v in values["summaries"].items() if v and v.strip()}
    notice.urgent = bool(values["urgent"])
    notice.starts_at = values["starts_at"]
    notice.ends_at = values["ends_at"]
    notice.building_ids = sorted(set(values["building_ids"]))
    notice.groups = sorted(set(values["groups"]))
    session.flush()
    record(session, actor, "notice.save", "notice", notice.id, community_id, urgent=notice.urgent)
    return notice


def withdraw(session: Session, actor: Actor, notice: Notice) -> None:
    if notice.withdrawn_at is None:
        notice.withdrawn_at = clock.now()
        session.flush()
        record(session, actor, "notice.withdraw", "notice", notice.id, notice.community_id)


def buildings_of(session: Session, community_id: int) -> list[Building]:
    return list(
        session.scalars(
            select(Building).where(Building.community_id == community_id).order_by(Building.number)
        )
    )
