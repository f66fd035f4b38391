"""The request wizard's state, shared by the kiosk and the phone: one question per screen, answers kept.

Answers live in the (server-signed) session until the request is sent, so a failed screen or a Back tap never
loses what was chosen; the core checks them all again on submit. Which questions a face asks is the core's
rule (catalog.questions_for): a kiosk never asks for free text or photos, and is never refused for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import session
from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from webapp.domain.desk.bookings import open_slots
from webapp.infra import clock
from webapp.infra.i18n import day_words, time_words, when_words
from webapp.models import ServiceType

ANSWER_MAX = 600
SLOT_LOOKAHEAD = 200  # free times read to group by day (a few weeks of a busy service)


def draft(code: str) -> dict[str, Any]:
    saved = session.get("draft") or {}
    return dict(saved.get("answers", {})) if saved.get("code") == code else {}


def save_answer(code: str, qid: str, value: str) -> None:
    session["draft"] = {"code": code, "answers": {**draft(code), qid: value[:ANSWER_MAX]}}


def save_extra(code: str, **extra: str) -> None:
    answers = draft(code)
    session["draft"] = {"code": code, "answers": answers, **{k: v[:120] for k, v in extra.items()}}


def saved_extra(code: str, name: str) -> str | None:
    saved = session.get("draft") or {}
    return saved.get(name) if saved.get("code") == code else None


def clear() -> None:
    session.pop("draft", None)


def tap_choices(
    db: Session, service: ServiceType, question: dict[str, Any], locale: str
) -> list[tuple[str, str]]:
    """Every answer as a big button: options, yes/no, small numbers, the next days, the open times."""
    kind = question.get("type")
    if kind == "yes_no":
        return [("yes", _("Yes")), ("no", _("No"))]
    if kind == "choice":
        return [
            (o["value"], o["label"].get(locale) or o["label"]["zh_Hans"]) for o in question.get("options", [])
        ]
    if kind == "number":
        return [(str(n), str(n)) for n in range(1, 7)]
    if kind == "date":
        today = clock.now().astimezone(get_timezone()).date()
        return [
            ((today + timedelta(days=n)).isoformat(), day_words(today + timedelta(days=n))) for n in range(8)
        ]
    if kind == "slot":
        return [
            (
                str(slot.id),
                _("%(when)s, %(free)s places left", when=when_words(slot.starts_at), free=slot.free),
            )
            for slot in open_slots(db, service)
        ]
    return []


@dataclass(frozen=True)
class SlotDay:
    """One day with free times: a big button saying the day and how many places are left."""

    day: str  # ISO date in the community's time zone
    words: str
    free: int


def slot_days(db: Session, service: ServiceType) -> list[SlotDay]:
    """Days first, then the times of the chosen day: two short lists instead of two dozen similar buttons."""
    days: dict[str, SlotDay] = {}
    zone = get_timezone()
    for slot in open_slots(db, service, limit=SLOT_LOOKAHEAD):
        local = slot.starts_at.astimezone(zone).date()
        key = local.isoformat()
        before = days.get(key)
        days[key] = SlotDay(key, day_words(local), (before.free if before else 0) + slot.free)
    return list(days.values())


def slot_times(db: Session, service: ServiceType, day: str) -> list[tuple[str, str]]:
    """The free times of one day (ISO date, community time), as (slot id, "上午9:00 · 还剩 3 个名额")."""
    zone = get_timezone()
    return [
        (str(slot.id), _("%(time)s · %(free)s places left", time=time_words(slot.starts_at), free=slot.free))
        for slot in open_slots(db, service, limit=SLOT_LOOKAHEAD)
        if slot.starts_at.astimezone(zone).date().isoformat() == day
    ]


def slot_step(
    db: Session, service: ServiceType, day: str | None
) -> tuple[list[SlotDay], date | None, list[tuple[str, str]]]:
    """(days to choose from, the chosen day, its times): days until one is chosen, unless there is only one
    (then its times at once, and no chosen day to go back from)."""
    days = slot_days(db, service)
    if day in {d.day for d in days}:
        return [], date.fromisoformat(str(day)), slot_times(db, service, str(day))
    if len(days) == 1:
        return [], None, slot_times(db, service, days[0].day)
    return days, None, []
