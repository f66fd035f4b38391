"""The worker's wording: which approved SMS template each kind uses; the words themselves (the product's or
the office's own) come from `webapp.shared.wording`."""

from __future__ import annotations

from webapp.shared.wording import words

__all__ = ["TEMPLATE_OF", "words"]

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
    "backup_failed": "escalation",
    "help_call": "help",
    "checkin_reminder": "care",
    "checkin_missed": "care",
    "test": "test",
    "family_code": "code",
}
