"""A request's answers in plain words, the same on the kiosk review screen, the phone and the console."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from webapp.infra.i18n import day_words, when_words


def answer_words(question: dict[str, Any], value: Any, locale: str) -> str:
    if value in (None, ""):
        return _("Not answered")
    if question.get("type") == "yes_no":
        return _("Yes") if value in ("yes", True) else _("No")
    if question.get("type") == "date":
        from datetime import date

        try:
            return day_words(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    for option in question.get("options", []):
        if option["value"] == value:
            return option["label"].get(locale) or option["label"]["zh_Hans"]
    return str(value)


def slot_words(slot_id: Any) -> str:
    """A chosen appointment time in words ("Monday 12/1 09:00, health station")."""

    from webapp.infra.db import get_session
    from webapp.models import Slot

    slot = get_session().get(Slot, int(slot_id)) if str(slot_id).isdigit() else None
    if slot is None:
        return _("Not answered")
    return f"{when_words(slot.starts_at)}, {slot.place}"


def slot_texts(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, str]:
    """The chosen times of a review screen's slot questions in words, read by the view: a template that
    looked them up would query the database while the page renders (issue 22)."""
    return {
        q["id"]: slot_words(answers[q["id"]])
        for q in questions
        if q.get("type") == "slot" and answers.get(q["id"])
    }


def news_lines(notifications: list[Any]) -> list[str]:
    """News in the reader's language, worded by the view before the page renders (each kind may read the
    ticket, booking, class or event it is about)."""
    return [notification_words(n) for n in notifications]


def notification_words(notification: Any) -> str:
    """A notification in the reader's language, worded when shown (the row keeps only codes)."""

    from webapp.shared.family import family_news_words
    from webapp.shared.labels import status_label
    from webapp.shared.life import event_words
    from webapp.shared.training import class_words

    if (words := event_words(notification)) is not None:
        return words
    if (words := class_words(notification)) is not None:
        return words
    if (words := family_news_words(notification)) is not None:
        return words
    ticket = notification.request
    number = ticket.number if ticket is not None else ""
    if notification.kind == "status" and ticket is not None:
        # The ticket's state now, not the one the news was about: a line never contradicts the ticket.
        return _("%(number)s is now: %(status)s", number=number, status=status_label(ticket.status))
    if notification.kind == "note":
        return _("%(number)s: there is a new message for you.", number=number)
    if notification.kind == "reminder" and ticket is not None:
        from webapp.domain.desk.bookings import active_booking
        from webapp.infra.db import get_session

        booking = active_booking(get_session(), ticket)
        if booking is not None:
            return _(
                "Reminder: your appointment %(number)s is on %(when)s.",
                number=number,
                when=when_words(booking.slot.starts_at),
            )
    return _("%(number)s has news.", number=number)
