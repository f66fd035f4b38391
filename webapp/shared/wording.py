"""The words of each kind of message, in the reader's language: the product's default, or the office's own
(`webapp.domain.messages.wording`, checked when kept). Shared because the worker sends them and the console
shows them beside the office's text and previews both.

Short and factual (SMS gateways refuse marketing wording), with nothing personal beyond a first name and a
ticket number, because an SMS or a group message is read by whoever holds the phone or sits in the group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.domain.messages.wording import fill
from webapp.models import Status
from webapp.shared.labels import status_label

# Each default as a template (gettext without values leaves the placeholders for `fill`); the msgids are the
# ones the catalogues already translate.
DEFAULTS: dict[str, Callable[[], str]] = {
    "ticket_status": lambda: _("%(name)s, your request %(number)s: %(state)s."),
    "ticket_note": lambda: _("%(name)s, there is a new message about your request %(number)s."),
    "reminder": lambda: _("%(name)s, a reminder: your appointment is within a day."),
    "class_reminder": lambda: _("%(name)s, a reminder: your class is within a day."),
    "event_reminder": lambda: _("%(name)s, a reminder: your community activity is within a day."),
    "escalated": lambda: _("Request %(number)s is overdue and now with the community office."),
    "urgent": lambda: _("Urgent: request %(number)s reports danger. Please act now."),
    "care_alert": lambda: _("%(count)s residents living alone have not checked in today. See the care list."),
    "backup_failed": lambda: _("Linli's daily backup failed. Please check the server (see /readyz)."),
    "invitation": lambda: _(
        "%(name)s, you are invited to the Linli console of your community office. Open this link within 72 "
        "hours to choose your username and password (it works once):\n\n%(link)s"
    ),
    "family_code": lambda: _(
        "Your Linli family sign-in code is %(code)s. It works for 10 minutes. Never tell it to anyone."
    ),
    "checkin_reminder": lambda: _(
        "%(name)s, you have not said you are fine today. Please tap “I'm fine today” on the kiosk or "
        "your phone, or call the community office if you need help."
    ),
    "checkin_missed": lambda: _(
        "%(name)s has not checked in today as agreed. Please call them or go and see."
    ),
    "digest": lambda: _(
        "Your Linli queues now: %(new)s new, %(overdue)s overdue, %(urgent)s urgent. Sign in to the console "
        "to see them."
    ),
}
# The e-mail subject of the kinds that are mailed; the rest say "Linli".
SUBJECTS: dict[str, Callable[[], str]] = {
    "invitation": lambda: _("Your invitation to Linli"),
    "digest": lambda: _("Linli: your queues this hour"),
}


def kind_label(kind: str) -> str:
    """What the console calls each kind of message."""
    return {
        "ticket_status": lambda: _("A request's status changed"),
        "ticket_note": lambda: _("A new message about a request"),
        "reminder": lambda: _("Appointment reminder"),
        "class_reminder": lambda: _("Class reminder"),
        "event_reminder": lambda: _("Community activity reminder"),
        "escalated": lambda: _("A request is overdue (to staff)"),
        "urgent": lambda: _("A request reports danger (to staff)"),
        "care_alert": lambda: _("Residents who have not checked in (to staff)"),
        "backup_failed": lambda: _("The daily backup failed (to staff)"),
        "checkin_reminder": lambda: _("You have not checked in today (to the resident)"),
        "checkin_missed": lambda: _("A resident has not checked in (to family and the grid worker)"),
    }.get(kind, lambda: kind)()


def help_words(params: dict[str, Any]) -> str:
    """A help call: where, who if known, the contacts (masked), and the link to acknowledge it. Built from
    parts (a call from the attract screen has no name, a resident may have no contacts), so an office does
    not reword it: whoever is on duty must read the same few facts in the same order every time."""
    place, link = str(params.get("place", "")), str(params.get("link", ""))
    name = str(params.get("name", ""))
    if name:
        text = _("Help needed: %(name)s at %(place)s.", name=name, place=place)
    else:
        text = _("Someone needs help at %(place)s.", place=place)
    if params.get("contacts"):
        text += " " + _("Emergency contacts: %(contacts)s.", contacts=str(params["contacts"]))
    return text + " " + _("Please acknowledge: %(link)s", link=link)


def default_text(kind: str, locale: str) -> str:
    with force_locale(locale):
        return DEFAULTS[kind]() if kind in DEFAULTS else _("You have news from Linli.")


def words(kind: str, params: dict[str, Any], locale: str, override: str | None = None) -> tuple[str, str]:
    """(subject, text) of a message of this kind in `locale`: the office's own text when it wrote one."""
    with force_locale(locale):
        values: dict[str, Any] = {
            **{k: str(v) for k, v in params.items()},
            "name": str(params.get("name", "")),
            "number": str(params.get("number", "")),
            "count": params.get("count", 0),
        }
        state = str(params.get("status", ""))
        values["state"] = status_label(Status(state)) if state in Status._value2member_map_ else ""
        subject = SUBJECTS[kind]() if kind in SUBJECTS else _("Linli")
        if kind == "help_call":
            return subject, help_words(params)
        template = override or (DEFAULTS[kind]() if kind in DEFAULTS else _("You have news from Linli."))
        return subject, fill(template, values)
