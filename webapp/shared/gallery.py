"""A living gallery of the design system, one page per theme, checked by the axe and size tests."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

bp = Blueprint("gallery", __name__, url_prefix="/design")

THEMES = ("kiosk", "phone")


class SampleForm(FlaskForm):
    class Meta:
        csrf = False

    room = StringField(_l("Your flat"))
    note = TextAreaField(_l("Anything else we should know? (optional)"))


@bp.get("/<theme>")
def components(theme: str) -> ResponseReturnValue:
    if theme not in THEMES:
        abort(404)
    form = SampleForm(data={"room": "2-1-50"})
    form.room.errors = [str(_l("Please give building, unit and room, like 2-1-501."))]
    return render_template(
        "design/gallery.html", theme=theme, layout=f"layouts/{theme}.html", sample_form=form
    )
