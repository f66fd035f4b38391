"""The worker's wording: which approved SMS template each kind uses, and what fills it.

A gateway sends only the template text it approved, filled with values: Alibaba by name (`${name}`),
Tencent by position (`{1}`, `{2}`, …). So each template has one list of values, in one order, and every kind
of message that uses the template gives exactly that list (`template_params`): a status travels as the word
the reader reads (已受理, not "accepted"), and nothing the template does not name is sent. docs/deployment.md
shows an example text for each template with exactly these variables. The words themselves of the other
channels (the product's or the office's own) come from `webapp.shared.wording`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.models import Status
from webapp.shared.labels import status_label
from webapp.shared.wording import words

__all__ = ["TEMPLATE_OF", "TEMPLATE_PARAMS", "template_params", "words"]

# The approved SMS template of each kind (the channel's `template_<kind>` setting names its code). Kinds sent
# only to staff groups (robots) or by e-mail have none: an SMS of those is refused in words, never sent as
# another.
TEMPLATE_OF = {
    "ticket_status": "ticket",
    "ticket_note": "ticket",
    "reminder": "reminder",
    "class_reminder": "reminder",
    "event_reminder": "reminder",
    "escalated": "escalation",
    "urgent": "escalation",
    "help_call": "help",
    "checkin_reminder": "checkin",
    "checkin_missed": "care",
    "test": "test",
    "family_code": "code",
}

# Each template's variables, in the order Tencent numbers them ({1} is the first).
TEMPLATE_PARAMS: Mapping[str, tuple[str, ...]] = {
    "test": (),
    "ticket": ("name", "number", "status"),
    "reminder": ("name", "what"),
    "escalation": ("number",),
    "help": ("name", "place", "contacts", "link"),
    "checkin": ("name",),
    "care": ("name",),
    "code": ("code",),
}

# What a reminder is for, as the reminder template's `what` says it.
REMINDED: dict[str, Callable[[], str]] = {
    # Translators: fills an SMS template: "…, a reminder: your <appointment> is within a day."
    "reminder": lambda: _("appointment"),
    # Translators: fills an SMS template: "…, a reminder: your <class> is within a day."
    "class_reminder": lambda: _("class"),
    # Translators: fills an SMS template: "…, a reminder: your <community activity> is within a day."
    "event_reminder": lambda: _("community activity"),
}


def _value(kind: str, name: str, params: Mapping[str, Any]) -> str:
    given = str(params.get(name) or "")
    if name == "status":
        if kind == "ticket_note":
            # Translators: fills the ticket SMS template in place of a status: "request B-0427: <new message>"
            return _("new message")
        return status_label(Status(given)) if given in Status._value2member_map_ else _("updated")
    if name == "what":
        return REMINDED[kind]() if kind in REMINDED else ""
    if name == "name" and not given and kind == "help_call":
        # Translators: fills the help SMS template when nobody was identified: "<Someone> needs help at …".
        return _("Someone")
    if name == "contacts" and not given:
        # Translators: fills the help SMS template when the resident gave no emergency contact.
        return _("none on file")
    return given


def template_params(kind: str, params: Mapping[str, Any], locale: str) -> dict[str, str]:
    """The values of this kind's SMS template, in its order, worded in the reader's language."""
    names = TEMPLATE_PARAMS.get(TEMPLATE_OF.get(kind, ""), ())
    with force_locale(locale):
        return {name: _value(kind, name, params) for name in names}
