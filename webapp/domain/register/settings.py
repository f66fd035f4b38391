"""Settings an office changes itself, without editing a file: the days it is closed and what a new kiosk
starts with (language is the community's `default_locale`, set with its details).

Holidays are plain dates: residents are told the office is closed on them (`closures_ahead`: the phone's
start page and home, the kiosk's home), the deadlines of the office's own work do not count them
(`desk.deadlines`), and nothing is inferred from a calendar the office did not write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from webapp.domain import DomainError, ensure_open
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.register.community import local_now
from webapp.models import Community

SCANNER_PLACES = ("below", "right", "left")
IDLE_SECONDS = (30, 600)
MOST_HOLIDAYS = 366
# How far ahead residents are told of a closure: a week's holiday is worth knowing a fortnight before; the
# whole year's list is the office's, not every resident's home page.
TELL_AHEAD = timedelta(days=14)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SettingsError(DomainError):
    code = "settings"

    def __init__(self, reason: str, field: str, value: str = "") -> None:
        super().__init__(reason)
        self.reason = reason  # "date", "too_many", "idle", "scanner"
        self.field = field
        self.value = value  # the piece of input at fault, to name it in the message


def parse_holidays(text: str) -> list[str]:
    """Dates like 2026-10-01, one per line (or separated by commas or spaces): sorted, each once."""
    found: set[str] = set()
    for piece in re.split(r"[\s,，、;；]+", text.strip()):
        if not piece:
            continue
        if not _DATE.match(piece):
            raise SettingsError("date", "holidays", piece[:20])
        try:
            found.add(date.fromisoformat(piece).isoformat())
        except ValueError:
            raise SettingsError("date", "holidays", piece[:20]) from None
    if len(found) > MOST_HOLIDAYS:
        raise SettingsError("too_many", "holidays")
    return sorted(found)


def parse_idle(text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not IDLE_SECONDS[0] <= int(value) <= IDLE_SECONDS[1]:
        raise SettingsError("idle", "kiosk_idle", value[:20])
    return int(value)


def save_office_settings(
    session: Session, actor: Actor, community: Community, holidays: str, idle: str, scanner: str
) -> None:
    """Check everything first, then change: a bad date leaves every setting as it was."""
    ensure_open(community)
    days = parse_holidays(holidays)
    seconds = parse_idle(idle)
    if scanner and scanner not in SCANNER_PLACES:
        raise SettingsError("scanner", "kiosk_scanner")
    community.holidays = days or None
    community.kiosk_idle_seconds = seconds
    community.kiosk_scanner_place = scanner or None
    session.flush()
    record(session, actor, "community.settings", "community", community.id, community.id)


def is_holiday(community: Community, day: date) -> bool:
    return day.isoformat() in (community.holidays or [])


@dataclass(frozen=True)
class Closure:
    """Days in a row the office is closed, as residents are told: *first* is today when it has begun."""

    first: date
    last: date
    begun: bool = False  # the office is closed today


def closures_ahead(community: Community, today: date | None = None, limit: int = 3) -> list[Closure]:
    """The office's closures from today to TELL_AHEAD, each run of days in a row as one (国庆 is one line,
    not seven); a run that has begun starts today, one that starts in the window is told whole."""
    start = day = today or local_now(community).date()
    found: list[Closure] = []
    end = day + TELL_AHEAD
    while day <= end and len(found) < limit:
        if not is_holiday(community, day):
            day += timedelta(days=1)
            continue
        first = day
        while is_holiday(community, day + timedelta(days=1)):
            day += timedelta(days=1)
        found.append(Closure(first, day, begun=first == start))
        day += timedelta(days=1)
    return found
