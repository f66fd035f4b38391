"""A resident chooses how Linli may reach them off-screen: text messages or not, and quiet hours."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.principals import the_resident
from webapp.domain.messages.preferences import PreferenceError, choose
from webapp.infra.db import get_session
from webapp.resident.account import resident_required
from webapp.resident.blueprint import bp
from webapp.shared.context import current_actor
from webapp.shared.message_prefs import MessagePrefsForm, chosen_channels, fill, show_error


@bp.route("/me/messages", methods=["GET", "POST"])
@resident_required
def my_messages() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    form = MessagePrefsForm()
    status = 200
    if form.validate_on_submit():
        try:
            choose(
                db,
                current_actor(),
                resident,
                chosen_channels(form),
                form.quiet_start.data or "",
                form.quiet_end.data or "",
            )
        except PreferenceError as exc:
            show_error(form, exc)
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("resident.my_messages"), code=303)
    elif form.is_submitted():
        status = 400
    else:
        fill(form, db, resident)
    return render_template(
        "resident/messages.html", form=form, has_phone=resident.phone_cipher is not None
    ), status
