"""The request wizard's state, shared by the kiosk and the phone: one question per screen, answers kept.

Answers live in the (server-signed) session until the request is sent, so a failed screen or a Back tap never
loses what was chosen; the core checks them all again on submit. A kiosk never asks for free text or photos.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import session
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from webapp import clock
from webapp.domain.bookings import open_slots
from webapp.domain.catalog import QUESTION_TYPES
from webapp.models import ServiceType

CHANNEL_TYPES = {
    "kiosk": {"choice", "yes_no", "number", "date", "slot"},
    "phone": set(QUESTION_TYPES),
}
ANSWER_MAX = 600


def questions_for(service: ServiceType, channel: str) -> list[dict[str, Any]]:
    kinds = CHANNEL_TYPES[channel]
    return [q for q in service.questions or [] if q.get("type") in kinds]


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
        today = clock.now().date()
        return [
            ((today + timedelta(days=n)).isoformat(), format_date(today + timedelta(days=n), "EEEE M/d"))
            for n in range(0, 8)
        ]
    if kind == "slot":
        return [
            (
                str(slot.id),
                _(
                    "%(when)s, %(free)s places left",
                    when=format_datetime(slot.starts_at, "EEEE M/d HH:mm"),
                    free=slot.free,
                ),
            )
            for slot in open_slots(db, service)
        ]
    return []
