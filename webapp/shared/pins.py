"""The PIN question as kiosk and phone both ask it: the form, and the words and status for each outcome."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from webapp.domain.identity.pins import PinOutcome, PinResult
from webapp.infra.i18n import time_words


def pin_message(result: PinResult) -> str:
    if result.outcome == PinOutcome.WRONG:
        return _("That PIN is not right. You can try %(count)s more times.", count=result.tries_left)
    if result.outcome == PinOutcome.THROTTLED:
        when = time_words(result.retry_at) if result.retry_at else ""
        return _("Too many wrong PINs. For your safety, please try again after %(time)s.", time=when)
    if result.outcome == PinOutcome.LOCKED:
        return _(
            "Your PIN is locked after too many wrong tries. Please visit the community office to unlock it."
        )
    return _("You have no PIN yet. A volunteer or the lobby touch screen can help you set one.")


PIN_STATUS = {PinOutcome.WRONG: 401, PinOutcome.THROTTLED: 429}


class PinForm(FlaskForm):
    pin = PasswordField(
        _l("Your 6-digit PIN"),
        validators=[
            DataRequired(_l("Please enter your PIN.")),
            Length(max=12, message=_l("This is too long.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*", "maxlength": "6"},
    )
