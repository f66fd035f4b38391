"""The words of each kind of message, in the reader's language: short, factual (SMS gateways refuse
marketing wording) and with nothing personal beyond a first name and a ticket number, because an SMS or a
group message is read by whoever holds the phone or sits in the group."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.models import Status
from webapp.shared.labels import status_label

# The approved SMS template of each kind (the channel's `template_<kind>` setting names its code).
TEMPLATE_OF = {
    "ticket_status": "ticket",
    "ticket_note": "ticket",
    "reminder": "reminder",
    "class_reminder": "reminder",
    "event_reminder": "reminder",
    "escalated": "escalation",
    "urgent": "escalation",
    "care_alert": "care",
    "help_call": "help",
    "checkin_reminder": "care",
    "checkin_missed": "care",
    "test": "test",
}


def help_words(params: dict[str, Any]) -> str:
    """A help call: where, who if known, the contacts (masked), and the link to acknowledge it."""
    place, link = str(params.get("place", "")), str(params.get("link", ""))
    name = str(params.get("name", ""))
    if name:
        text = _("Help needed: %(name)s at %(place)s.", name=name, place=place)
    else:
        text = _("Someone needs help at %(place)s.", place=place)
    if params.get("contacts"):
        text += " " + _("Emergency contacts: %(contacts)s.", contacts=str(params["contacts"]))
    return text + " " + _("Please acknowledge: %(link)s", link=link)


def words(kind: str, params: dict[str, Any], locale: str) -> tuple[str, str]:
    """(subject, text) of a message of this kind in `locale`."""
    with force_locale(locale):
        name = str(params.get("name", ""))
        number = str(params.get("number", ""))
        if kind == "ticket_status":
            state = str(params.get("status", ""))
            label = status_label(Status(state)) if state in Status._value2member_map_ else ""
            text = _("%(name)s, your request %(number)s: %(state)s.", name=name, number=number, state=label)
        elif kind == "ticket_note":
            text = _(
                "%(name)s, there is a new message about your request %(number)s.", name=name, number=number
            )
        elif kind == "reminder":
            text = _("%(name)s, a reminder: your appointment is within a day.", name=name)
        elif kind == "class_reminder":
            text = _("%(name)s, a reminder: your class is within a day.", name=name)
        elif kind == "event_reminder":
            text = _("%(name)s, a reminder: your community activity is within a day.", name=name)
        elif kind == "escalated":
            text = _("Request %(number)s is overdue and now with the community office.", number=number)
        elif kind == "urgent":
            text = _("Urgent: request %(number)s reports danger. Please act now.", number=number)
        elif kind == "care_alert":
            text = _(
                "%(count)s residents living alone have not checked in today. See the care list.",
                count=params.get("count", 0),
            )
        elif kind == "help_call":
            text = help_words(params)
        elif kind == "checkin_reminder":
            text = _(
                "%(name)s, you have not said you are fine today. Please tap “I'm fine today” on the kiosk or "
                "your phone, or call the community office if you need help.",
                name=name,
            )
        elif kind == "checkin_missed":
            text = _(
                "%(name)s has not checked in today as agreed. Please call them or go and see.", name=name
            )
        else:
            text = _("You have news from Linli.")
        return _("Linli"), text
