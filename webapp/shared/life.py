"""Community life in every face: template helpers (labels, hours, errors), event notifications in words, and
the `flask life-jobs` command that sends event reminders.

The helpers are Jinja globals, as shared.ui's are, so kiosk, phone, console and lobby display word things the
same way. Event notifications are rows of the shared Notification table (kinds "event_reminder",
"event_place", "event_cancelled", the event's id in `detail`); shared.answers.notification_words asks
`event_words` here first.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import click
from babel.dates import get_day_names
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import get_locale
from flask_babel import gettext as _

from webapp.domain.life.directory import format_day, hours_today, open_now
from webapp.domain.life.timebank import hours_text
from webapp.infra.i18n import when_words
from webapp.shared.labels import (
    earn_kind_label,
    event_kind_label,
    group_label,
    place_kind_label,
    time_kind_label,
)
from webapp.shared.messages import life_error, life_error_list

EVENT_KINDS = ("event_reminder", "event_place", "event_cancelled")


def day_names() -> list[str]:
    """Monday to Sunday in the page's language (from Babel's CLDR data: nothing new to translate)."""
    names = get_day_names("wide", locale=get_locale())
    return [names[n] for n in range(7)]


def month_from(text: str | None, today: date) -> date:
    """ "2026-11" -> 2026-11-01 (a statement's month from a link); anything else is this month."""
    try:
        year, month = (int(p) for p in (text or "").split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)


def month_shift(month: date, months: int) -> str:
    """ "YYYY-MM" of the month *months* away from *month*, for statement links."""
    index = month.year * 12 + month.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def event_words(notification: Any) -> str | None:
    """An event notification in the reader's language, or None when it is not one of ours."""
    if notification.kind not in EVENT_KINDS or not str(notification.detail or "").isdigit():
        return None
    from webapp.infra.db import get_session
    from webapp.infra.i18n import current_locale
    from webapp.models import Event

    event = get_session().get(Event, int(notification.detail))
    if event is None:
        return None
    title = event.title(current_locale())
    when = when_words(event.starts_at)
    if notification.kind == "event_reminder":
        return _("Reminder: %(event)s is on %(when)s.", event=title, when=when)
    if notification.kind == "event_place":
        return _("Good news: a place came free for you at %(event)s on %(when)s.", event=title, when=when)
    return _("%(event)s on %(when)s has been called off.", event=title, when=when)


@click.command("life-jobs")
@with_appcontext
def life_jobs() -> None:
    """Send event reminders (a day before); safe to run every few minutes, e.g. next to desk-jobs."""
    from webapp.domain.life.events import send_reminders
    from webapp.infra.unit_of_work import job

    with job() as session:
        sent = send_reminders(session)
    click.echo(f"event reminders: {sent}")


def init_app(app: Flask) -> None:
    globals_ = app.jinja_env.globals
    globals_.update(
        life_error=life_error,
        life_error_list=life_error_list,
        group_label=group_label,
        place_kind_label=place_kind_label,
        event_kind_label=event_kind_label,
        earn_kind_label=earn_kind_label,
        time_kind_label=time_kind_label,
        hours_text=hours_text,
        day_names=day_names,
        format_day=format_day,
        open_now=open_now,
        hours_today=hours_today,
        month_shift=month_shift,
    )
    app.cli.add_command(life_jobs)
