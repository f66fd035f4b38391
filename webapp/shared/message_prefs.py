"""The message preferences form both faces show: a resident on the phone, staff at the office (with the
resident's consent). The rules (which channels, valid hours) are the core's: `domain.messages.preferences`."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from webapp.domain.messages.preferences import QUIET, PreferenceError, preference_of
from webapp.models import Resident


class MessagePrefsForm(FlaskForm):
    sms = BooleanField(_l("Send me text messages (SMS) about my requests and appointments"))
    quiet_start = StringField(
        _l("No text messages from"), validators=[Length(max=5)], render_kw={"type": "time"}
    )
    quiet_end = StringField(_l("until"), validators=[Length(max=5)], render_kw={"type": "time"})


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def fill(form: MessagePrefsForm, session: Session, resident: Resident) -> None:
    pref = preference_of(session, resident.id)
    form.sms.data = "sms" in pref.channels.split(",") if pref is not None else True
    start, end = (pref.quiet_start, pref.quiet_end) if pref is not None else QUIET
    form.quiet_start.data, form.quiet_end.data = _hhmm(start), _hhmm(end)


def chosen_channels(form: MessagePrefsForm) -> list[str]:
    return ["sms"] if form.sms.data else []


def show_error(form: MessagePrefsForm, exc: PreferenceError) -> None:
    if exc.reason == "time":
        form.quiet_start.errors = [_("Please give the time as hours and minutes, for example 21:00.")]
    else:
        form.sms.errors = [_("That way of sending messages is not offered.")]
