"""Resident forms: as few fields as possible, each with a plain label."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length


class PinForm(FlaskForm):
    pin = PasswordField(
        _l("Your 6-digit PIN"),
        validators=[
            DataRequired(_l("Please enter your PIN.")),
            Length(max=12, message=_l("This is too long.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*", "maxlength": "6"},
    )
