"""Digital-skills training in every face: template helpers, class notifications in words, and the
`flask training-seed` command that adds the skills catalog to a database that was not seeded with the demo.

Class notifications are rows of the shared Notification table (kinds "class_reminder", "class_place",
"class_cancelled", the session's id in `detail`); webapp.answers.notification_words hands them to
`class_words` here.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import gettext as _

from webapp.domain.courses import NOTIFY_KINDS
from webapp.i18n import when_words
from webapp.labels import level_label
from webapp.messages import training_error


def class_words(notification: Any) -> str | None:
    """A class notification in the reader's language, or None when it is not one of ours."""
    if notification.kind not in NOTIFY_KINDS or not str(notification.detail or "").isdigit():
        return None
    from webapp.db import get_session
    from webapp.i18n import current_locale
    from webapp.models import TrainingSession

    ts = get_session().get(TrainingSession, int(notification.detail))
    if ts is None:
        return None
    title = ts.course.title(current_locale())
    when = when_words(ts.starts_at)
    if notification.kind == "class_reminder":
        return _(
            "Reminder: your class %(course)s is on %(when)s at %(place)s.",
            course=title,
            when=when,
            place=ts.place,
        )
    if notification.kind == "class_place":
        return _(
            "Good news: a place came free for you in the class %(course)s on %(when)s.",
            course=title,
            when=when,
        )
    return _("The class %(course)s on %(when)s has been called off.", course=title, when=when)


@click.command("training-seed")
@with_appcontext
def training_seed() -> None:
    """Add the everyday-skills lessons that are missing (safe to run again)."""
    from webapp.domain.skills import ensure_skills
    from webapp.unit_of_work import job

    with job() as session:
        added = ensure_skills(session)
    click.echo(f"skills added: {added}")


def face_url(face: str, name: str, **values: Any) -> str:
    """The same screen on the kiosk or the phone: lesson and practice templates are shared by both faces."""
    from flask import url_for

    return url_for(("kiosk." if face == "kiosk" else "resident.") + name, **values)


def training_error_list(errors: dict[str, str]) -> list[tuple[str, str]]:
    """(field id, message) pairs for an error summary that links to each field."""
    return [(field, training_error(code)) for field, code in errors.items()]


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        level_label=level_label,
        training_error=training_error,
        training_error_list=training_error_list,
        face_url=face_url,
    )
    app.cli.add_command(training_seed)
