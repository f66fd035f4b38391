"""The local services directory: opening hours, "open now" in the community's time zone, and upkeep.

Hours are kept per weekday as [opens, closes] pairs. A pair whose closing time is at or before its opening
time runs past midnight into the next day (a night pharmacy open 20:00–08:00), so "open now" also looks at
yesterday's pairs. A closed date (a holiday) closes the openings that start on that date; an opening that
started the evening before still runs to its end.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import LocalService, PlaceKind, ServiceProvider, ServiceType

LOCALES = ("zh_Hans", "zh_Hant", "en")
WEEKDAYS = 7
_PAIR = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s*[-–~至到]\s*(\d{1,2})[:：](\d{2})\s*$", re.ASCII)
PHONE_CHARS = set("0123456789-+ ")


class DirectoryError(DomainError):
    code = "directory"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "bad_opening_hours", "bad_dates"


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def parse_day(text: str) -> list[list[str]]:
    """ "08:00-11:30, 13:00-17:00" -> [["08:00", "11:30"], ["13:00", "17:00"]]; empty text means closed."""
    pairs: list[list[str]] = []
    for part in re.split(r"[,，;；]", text or ""):
        if not part.strip():
            continue
        match = _PAIR.match(part)
        if match is None:
            raise DirectoryError("bad_opening_hours")
        oh, om, ch, cm = (int(g) for g in match.groups())
        if oh > 23 or om > 59 or cm > 59 or ch > 24 or (ch == 24 and cm != 0):
            raise DirectoryError("bad_opening_hours")
        if (oh, om) == (ch, cm):
            raise DirectoryError("bad_opening_hours")
        pairs.append([f"{oh:02d}:{om:02d}", f"{ch:02d}:{cm:02d}"])
    if len(pairs) > 4:
        raise DirectoryError("bad_opening_hours")
    return pairs


def format_day(pairs: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in pairs)


def parse_dates(text: str) -> list[str]:
    days: list[str] = []
    for part in re.split(r"[\s,，;；]+", text or ""):
        if not part:
            continue
        try:
            days.append(date.fromisoformat(part).isoformat())
        except ValueError as exc:
            raise DirectoryError("bad_dates") from exc
    return sorted(set(days))[:100]


def _opens_within(pairs: list[list[str]], minute: int, day_closed: bool) -> bool:
    if day_closed:
        return False
    for opens, closes in pairs:
        start, end = _minutes(opens), _minutes(closes)
        if start < end and start <= minute < end:
            return True
        if end <= start and minute >= start:  # runs past midnight: the evening part
            return True
    return False


def _runs_past_midnight_into(pairs: list[list[str]], minute: int, day_closed: bool) -> bool:
    if day_closed:
        return False
    return any(_minutes(c) <= _minutes(o) and minute < _minutes(c) for o, c in pairs)


def is_open_at(hours: list[list[list[str]]], closed_dates: list[str], local: datetime) -> bool:
    """Open at this local wall-clock time? Today's openings, or last night's that run past midnight."""
    if len(hours) != WEEKDAYS:
        return False
    today = local.date()
    yesterday = today - timedelta(days=1)
    minute = local.hour * 60 + local.minute
    closed = set(closed_dates or [])
    return _opens_within(hours[today.weekday()], minute, today.isoformat() in closed) or (
        _runs_past_midnight_into(hours[yesterday.weekday()], minute, yesterday.isoformat() in closed)
    )


def dial_uri(phone: str | None) -> str | None:
    """A tel: link from a number as written ("0571-8888-1201"): for tap-to-call and the kiosk's QR."""
    digits = "".join(c for c in (phone or "") if c.isascii() and (c.isdigit() or c == "+"))
    return f"tel:{digits}" if digits else None


def local_time(entry: LocalService, now: datetime | None = None) -> datetime:
    return (now or clock.now()).astimezone(ZoneInfo(entry.community.timezone))


def open_now(entry: LocalService, now: datetime | None = None) -> bool:
    return is_open_at(entry.hours, entry.closed_dates, local_time(entry, now))


def hours_today(entry: LocalService, now: datetime | None = None) -> list[list[str]] | None:
    """Today's openings (None when closed today, by weekday or by date)."""
    local = local_time(entry, now)
    if local.date().isoformat() in (entry.closed_dates or []) or len(entry.hours) != WEEKDAYS:
        return None
    return entry.hours[local.weekday()] or None


def entries(
    session: Session,
    community_id: int,
    kind: PlaceKind | None = None,
    elderly: bool = False,
    only_open: bool = False,
) -> list[LocalService]:
    query = select(LocalService).where(
        LocalService.community_id == community_id, LocalService.active.is_(True)
    )
    if kind is not None:
        query = query.where(LocalService.kind == kind)
    if elderly:
        query = query.where(LocalService.serves_elderly.is_(True))
    rows = list(session.scalars(query.order_by(LocalService.position, LocalService.id)))
    if only_open:
        now = clock.now()
        rows = [e for e in rows if open_now(e, now)]
    return rows


def linked_services(session: Session, entry: LocalService) -> list[ServiceType]:
    """Services-desk services this place answers: those routed to the provider record of the same name."""
    if not entry.provider_name:
        return []
    return list(
        session.scalars(
            select(ServiceType)
            .join(ServiceProvider, ServiceType.provider_id == ServiceProvider.id)
            .where(
                ServiceType.community_id == entry.community_id,
                ServiceProvider.name == entry.provider_name,
                ServiceType.active.is_(True),
            )
            .order_by(ServiceType.position, ServiceType.id)
        )
    )


def provider_names(session: Session, community_ids: frozenset[int]) -> list[str]:
    return sorted(
        n
        for n in session.scalars(
            select(ServiceProvider.name).where(ServiceProvider.community_id.in_(community_ids)).distinct()
        )
        if n
    )


def check_entry(
    form: dict[str, Any], providers: Collection[str] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean a directory form into values and field -> error code (empty when it can be saved).

    *providers*: the provider names the services desk knows; a link to any other name would lead nowhere.
    """
    errors: dict[str, str] = {}
    names = {k: (form.get(f"name_{k}") or "").strip()[:80] for k in LOCALES}
    if not names["zh_Hans"]:
        errors["name_zh_Hans"] = "required"
    kind = form.get("kind") or ""
    if kind not in {k.value for k in PlaceKind}:
        errors["kind"] = "bad_choice"
    address = (form.get("address") or "").strip()
    if not address:
        errors["address"] = "required"
    elif len(address) > 200:
        errors["address"] = "too_long"
    phone = (form.get("phone") or "").strip()
    if phone and (len(phone) > 32 or not set(phone) <= PHONE_CHARS or sum(c.isdigit() for c in phone) < 5):
        errors["phone"] = "bad_phone"
    hours: list[list[list[str]]] = []
    for day in range(WEEKDAYS):
        try:
            hours.append(parse_day(form.get(f"hours_{day}") or ""))
        except DirectoryError:
            errors[f"hours_{day}"] = "bad_opening_hours"
            hours.append([])
    try:
        closed = parse_dates(form.get("closed_dates") or "")
    except DirectoryError:
        errors["closed_dates"] = "bad_dates"
        closed = []
    provider = (form.get("provider_name") or "").strip()[:80] or None
    if provider is not None and providers is not None and provider not in providers:
        errors["provider_name"] = "bad_choice"
    values = {
        "kind": kind,
        "names": names,
        "notes": {k: (form.get(f"note_{k}") or "").strip()[:200] for k in LOCALES},
        "address": address[:200],
        "phone": phone[:32] or None,
        "hours": hours,
        "closed_dates": closed,
        "serves_elderly": form.get("serves_elderly") == "1",
        "serves_disabled": form.get("serves_disabled") == "1",
        "accepts_hours": form.get("accepts_hours") == "1",
        "provider_name": provider,
        "active": form.get("active") == "1",
    }
    return values, errors


def save_entry(
    session: Session, actor: Actor, community_id: int, entry: LocalService | None, values: dict[str, Any]
) -> LocalService:
    if entry is None:
        entry = LocalService(community_id=community_id)
        session.add(entry)
    entry.kind = PlaceKind(values["kind"])
    entry.names = {k: v for k, v in values["names"].items() if v}
    entry.notes = {k: v for k, v in values["notes"].items() if v}
    for field in ("address", "phone", "hours", "closed_dates", "provider_name", "active"):
        setattr(entry, field, values[field])
    entry.serves_elderly = values["serves_elderly"]
    entry.serves_disabled = values["serves_disabled"]
    entry.accepts_hours = values["accepts_hours"]
    session.flush()
    record(session, actor, "directory.save", "local_service", entry.id, community_id)
    return entry
