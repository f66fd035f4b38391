"""An office's own words for each kind of message (issue 16 item 7), checked before they are kept.

The product's words (`webapp.shared.wording`) stay the default; an office may say the same thing its own way,
per community and per language. What it may not do is change what a message carries: the placeholders of a
kind are fixed here, a text naming one the kind does not have is refused (it would print "%(phone)s" to a
resident, or worse, tempt someone to add personal details), and one leaving out what the message is about
(the ticket's number, the count of residents) is refused too. A text too long for one SMS segment (70
characters once filled in with typical values) is only warned about: gateways split it and charge twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError, ensure_open, has_control_characters
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import Community, MessageWording

LOCALES = ("zh_Hans", "zh_Hant", "en")
LONGEST = 300  # characters an office may write for one message
SMS_SEGMENT = 70  # one SMS segment in UCS-2, which any Chinese character forces

# kind: (placeholders it may use, placeholders it must use). Nothing here is personal beyond a first name.
PLACEHOLDERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "ticket_status": (frozenset({"name", "number", "state"}), frozenset({"number", "state"})),
    "ticket_note": (frozenset({"name", "number"}), frozenset({"number"})),
    "reminder": (frozenset({"name"}), frozenset()),
    "class_reminder": (frozenset({"name"}), frozenset()),
    "event_reminder": (frozenset({"name"}), frozenset()),
    "escalated": (frozenset({"number"}), frozenset({"number"})),
    "urgent": (frozenset({"number"}), frozenset({"number"})),
    "care_alert": (frozenset({"count"}), frozenset({"count"})),
    "backup_failed": (frozenset(), frozenset()),
    "checkin_reminder": (frozenset({"name"}), frozenset()),
    "checkin_missed": (frozenset({"name"}), frozenset({"name"})),
}
KINDS = tuple(PLACEHOLDERS)
# What a preview fills in: typical lengths, so that the SMS warning means something.
SAMPLE = {"name": "秀英", "number": "BX-20261205-0042", "state": "处理中", "count": "3"}

_PLACEHOLDER = re.compile(r"%\((\w*)\)s")
_FILLED = re.compile(r"%\((\w*)\)s|%%")  # one pass: a value that holds "%%" stays as it is


class WordingError(DomainError):
    code = "wording"

    def __init__(self, reason: str, names: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason  # "kind", "locale", "empty", "long", "control", "unknown", "missing", "percent"
        self.names = names  # the placeholders at fault, to name them in the message


@dataclass(frozen=True)
class Checked:
    """A text that may be kept, with what it looks like filled in and whether it needs two SMS."""

    text: str
    preview: str
    too_long_for_sms: bool


def fill(text: str, params: Mapping[str, object]) -> str:
    """The text with its placeholders filled in (a missing value is left empty, never a KeyError)."""
    return _FILLED.sub(lambda m: "%" if m.group(1) is None else str(params.get(m.group(1), "")), text)


def check(kind: str, text: str) -> Checked:
    """Refuse a text the worker could not fill in safely; say in `Checked` what it looks like."""
    if kind not in PLACEHOLDERS:
        raise WordingError("kind")
    text = text.strip()
    if not text:
        raise WordingError("empty")
    if len(text) > LONGEST:
        raise WordingError("long")
    if has_control_characters(text.replace("\n", " ").replace("\r", "").replace("\t", " ")):
        raise WordingError("control")
    allowed, required = PLACEHOLDERS[kind]
    used = _PLACEHOLDER.findall(text)
    unknown = tuple(sorted({n for n in used if n not in allowed}))
    if unknown:
        raise WordingError("unknown", unknown)
    # A stray % (other than %%) would be a placeholder mistyped: "%(number)" or "%number".
    if "%" in _PLACEHOLDER.sub("", text).replace("%%", ""):
        raise WordingError("percent")
    missing = tuple(sorted(required - set(used)))
    if missing:
        raise WordingError("missing", missing)
    preview = fill(text, SAMPLE)
    return Checked(text, preview, len(preview) > SMS_SEGMENT)


def override_of(session: Session, community_id: int, kind: str, locale: str) -> str | None:
    """The office's words for this kind in this language, if it wrote any."""
    return session.scalar(
        select(MessageWording.text).where(
            MessageWording.community_id == community_id,
            MessageWording.kind == kind,
            MessageWording.locale == locale,
        )
    )


def overrides(session: Session, community_id: int, locale: str) -> dict[str, str]:
    rows = session.execute(
        select(MessageWording.kind, MessageWording.text).where(
            MessageWording.community_id == community_id, MessageWording.locale == locale
        )
    )
    return {kind: text for kind, text in rows}


def _row(session: Session, community_id: int, kind: str, locale: str) -> MessageWording | None:
    return session.scalar(
        select(MessageWording).where(
            MessageWording.community_id == community_id,
            MessageWording.kind == kind,
            MessageWording.locale == locale,
        )
    )


def set_wording(
    session: Session, actor: Actor, community: Community, kind: str, locale: str, text: str
) -> Checked:
    """Keep the office's words for one kind and language (checked first; audited with the new text, which
    carries nothing personal: placeholders stand for the names and numbers)."""
    ensure_open(community)
    if locale not in LOCALES:
        raise WordingError("locale")
    checked = check(kind, text)
    row = _row(session, community.id, kind, locale)
    if row is None:
        row = MessageWording(community_id=community.id, kind=kind, locale=locale, text=checked.text)
        session.add(row)
    row.text = checked.text
    row.updated_by_id = actor.id if actor.type == "staff" else None
    row.updated_at = clock.now()
    session.flush()
    record(
        session,
        actor,
        "wording.set",
        "community",
        community.id,
        community.id,
        kind=kind,
        locale=locale,
        text=checked.text,
    )
    return checked


def reset_wording(session: Session, actor: Actor, community: Community, kind: str, locale: str) -> bool:
    """Back to the product's words; False if the office had none of its own."""
    if kind not in PLACEHOLDERS or locale not in LOCALES:
        raise WordingError("kind")
    row = _row(session, community.id, kind, locale)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    record(session, actor, "wording.reset", "community", community.id, community.id, kind=kind, locale=locale)
    return True
