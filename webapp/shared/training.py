"""Digital-skills training in every face: template helpers, class notifications in words, "My skills" and a
class sign-up as kiosk and phone both show them, and the
`flask training-seed` command that adds the skills catalog to a database that was not seeded with the demo.

Class notifications are rows of the shared Notification table (kinds "class_reminder", "class_place",
"class_cancelled", the session's id in `detail`; "certificate", the certificate's id);
webapp.shared.answers.notification_words hands them to `class_words` here.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_babel import gettext as _

from webapp.domain.privacy.audit import Actor
from webapp.domain.training import courses
from webapp.domain.training.certificates import NOTIFY_KIND as CERTIFICATE_KIND
from webapp.domain.training.certificates import certificates_of
from webapp.domain.training.courses import NOTIFY_KINDS
from webapp.domain.training.skills import my_skills
from webapp.infra.db import get_session
from webapp.infra.i18n import when_words
from webapp.models import AttendanceStatus, Resident, TrainingSession
from webapp.shared.labels import level_label
from webapp.shared.messages import training_error


def class_words(notification: Any) -> str | None:
    """A class or certificate notification in the reader's language, or None when it is not one of ours."""
    if (
        notification.kind not in (*NOTIFY_KINDS, CERTIFICATE_KIND)
        or not str(notification.detail or "").isdigit()
    ):
        return None
    from webapp.infra.db import get_session
    from webapp.infra.i18n import current_locale
    from webapp.models import Certificate, TrainingSession

    if notification.kind == CERTIFICATE_KIND:
        cert = get_session().get(Certificate, int(notification.detail))
        if cert is None:
            return None
        return _(
            "Well done: your certificate for %(course)s is ready. You find it under My skills.",
            course=cert.course.title(current_locale()),
        )

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
    from webapp.domain.training.skills import ensure_skills
    from webapp.infra.unit_of_work import job

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


def skills_page_data(resident: Resident) -> dict[str, object]:
    """What "My skills" shows on kiosk and phone alike."""
    db = get_session()
    shown = courses.upcoming(db, resident.community_id, limit=6)
    ids = [s.id for s in shown]
    mine = courses.mine(db, resident.id, ids)
    return {
        "progress": my_skills(db, resident.id),
        "sessions": shown,
        "mine": mine,
        "taken": {s.id: courses.booked_count(db, s.id) for s in shown},
        "next_class": next(
            (s for s in shown if s.id in mine and mine[s.id].status == AttendanceStatus.BOOKED), None
        ),
        "certificates": certificates_of(db, resident.id),
    }


def class_action(actor: Actor, resident: Resident, ts: TrainingSession, action: str, channel: str) -> str:
    """Sign up or cancel; returns the words to show (raises TrainingError)."""
    db = get_session()
    if action == "signup":
        entry = courses.signup(db, actor, ts, resident, channel)
        if entry.status == AttendanceStatus.BOOKED:
            return _("You have a place. We will remind you the day before.")
        return _("It is full, so you are on the waiting list. We will tell you if a place comes free.")
    courses.cancel(db, actor, ts, resident)
    return _("You are no longer signed up.")
