"""Kiosks in the console: register, pair (one-time code), unpair, see which are online; badges; care list."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from webapp.auth.policy import Permission, deny, require
from webapp.domain.kiosk.badges import badge_url, issue_badge
from webapp.domain.kiosk.care import care_list, check_time_passed, record_care_action
from webapp.domain.kiosk.devices import create_kiosk, is_online, start_pairing, unpair
from webapp.domain.register.community import communities_by_id, kiosks_in, local_now
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.models import CareOutcome, Community, Kiosk
from webapp.shared.context import base_url, current_actor
from webapp.shared.options import options
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids, resident_or_404

TOO_LONG = _l("This is too long.")


class KioskForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Please fill this in.")), Length(max=80, message=TOO_LONG)]
    )
    place = StringField(
        _l("Place"), validators=[DataRequired(_l("Please fill this in.")), Length(max=120, message=TOO_LONG)]
    )
    idle_timeout = IntegerField(
        _l("Start over after this many seconds without a touch"),
        default=60,
        validators=[NumberRange(30, 600, message=_l("Please give a number from 30 to 600."))],
    )
    has_printer = BooleanField(_l("Has a receipt printer"))
    has_id_reader = BooleanField(_l("Has an ID card reader"))
    default_locale = SelectField(
        _l("Language the screen starts in (and returns to after each person)"),
        choices=options(
            [
                ("", _l("The default language")),
                ("zh_Hans", "中文简体"),
                ("zh_Hant", "中文繁體"),
                ("en", "English"),
            ]
        ),
        default="",
    )
    scanner_place = SelectField(
        _l("Where is the card scanner?"),
        choices=options(
            [
                ("below", _l("Below the screen")),
                ("right", _l("To the right of the screen")),
                ("left", _l("To the left of the screen")),
            ]
        ),
        default="below",
    )


class CareForm(FlaskForm):
    outcome = SelectField(_l("What did you do?"), validate_choice=False)
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=1000, message=TOO_LONG)])


def kiosk_or_404(kiosk_id: int) -> Kiosk:
    from flask import abort

    kiosk = get_session().get(Kiosk, kiosk_id)
    if kiosk is None or kiosk.community_id not in allowed_ids(Permission.VIEW_KIOSKS):
        deny(subject_type="kiosk", subject_id=kiosk_id)
        abort(404)
    return kiosk


@bp.route("/kiosks", methods=["GET", "POST"])
@require(Permission.VIEW_KIOSKS)
def kiosks() -> ResponseReturnValue:
    ids = allowed_ids(Permission.VIEW_KIOSKS)
    db = get_session()
    form = KioskForm()
    status = 200
    if form.validate_on_submit():
        kiosk = create_kiosk(
            db,
            current_actor(),
            min(ids),
            form.name.data or "",
            form.place.data or "",
            form.idle_timeout.data or 60,
            bool(form.has_printer.data),
            bool(form.has_id_reader.data),
            form.default_locale.data or None,
            form.scanner_place.data or "below",
        )
        flash(_("Kiosk added. Pair it with the code below."), "info")
        return redirect(url_for("staff.kiosks", _anchor=f"k{kiosk.id}"), code=303)
    if form.is_submitted():
        status = 400
    else:  # a new kiosk starts with the office's defaults (its settings page)
        community = db.get(Community, min(ids))
        if community is not None:
            form.idle_timeout.data = community.kiosk_idle_seconds or 60
            form.scanner_place.data = community.kiosk_scanner_place or "below"
            form.default_locale.data = community.default_locale or ""
    now = clock.now()
    rows = [(k, is_online(k, now)) for k in kiosks_in(db, set(ids))]
    return render_template("staff/kiosks.html", rows=rows, form=form, pairing=None), status


@bp.post("/kiosks/<int:kiosk_id>/pair")
@require(Permission.VIEW_KIOSKS)
def kiosk_pair(kiosk_id: int) -> ResponseReturnValue:
    kiosk = kiosk_or_404(kiosk_id)
    db = get_session()
    code = start_pairing(db, current_actor(), kiosk)
    now = clock.now()
    rows = [(k, is_online(k, now)) for k in kiosks_in(db, set(allowed_ids(Permission.VIEW_KIOSKS)))]
    link = f"{base_url()}/kiosk/pair?code={code}"
    return render_template("staff/kiosks.html", rows=rows, form=KioskForm(), pairing=(kiosk, code, link))


@bp.post("/kiosks/<int:kiosk_id>/unpair")
@require(Permission.VIEW_KIOSKS)
def kiosk_unpair(kiosk_id: int) -> ResponseReturnValue:
    kiosk = kiosk_or_404(kiosk_id)
    db = get_session()
    unpair(db, current_actor(), kiosk)
    flash(_("The kiosk is unpaired: its screen shows the pairing page again."), "info")
    return redirect(url_for("staff.kiosks"), code=303)


@bp.get("/badge")
@require(Permission.SET_PIN)
def badge() -> ResponseReturnValue:
    return render_template("staff/badge.html", url=None)


@bp.post("/badge")
@require(Permission.SET_PIN)
def badge_issue() -> ResponseReturnValue:
    """Print my badge: scanned at a kiosk before a resident's card, it starts assisted mode."""
    db = get_session()
    token = issue_badge(db, current_actor(), current_user.staff)
    return render_template("staff/badge.html", url=badge_url(base_url(), token))


OUTCOME_LABELS = {
    CareOutcome.CALLED: _l("Called"),
    CareOutcome.VISITED: _l("Visited"),
    CareOutcome.ALL_WELL: _l("All well"),
    CareOutcome.ESCALATED: _l("Escalated"),
}


@bp.get("/care")
@require(Permission.VIEW_RESIDENTS)
def care() -> ResponseReturnValue:
    db = get_session()
    lists = [
        (c, care_list(db, c), local_now(c), check_time_passed(c))
        for c in communities_by_id(db, set(allowed_ids(Permission.VIEW_RESIDENTS)))
    ]
    form = CareForm()
    form.outcome.choices = options((o.value, str(label)) for o, label in OUTCOME_LABELS.items())
    return render_template("staff/care.html", lists=lists, form=form, outcome_labels=OUTCOME_LABELS)


@bp.post("/care/<int:resident_id>")
@require(Permission.VIEW_RESIDENTS)
def care_action(resident_id: int) -> ResponseReturnValue:
    resident = resident_or_404(resident_id, Permission.VIEW_RESIDENTS)
    form = CareForm()
    outcome = request.form.get("outcome", "")
    if not form.validate_on_submit() or outcome not in {o.value for o in CareOutcome}:
        flash(_("Please choose what you did."), "info")
        return redirect(url_for("staff.care"), code=303)
    db = get_session()
    record_care_action(db, current_actor(), resident, CareOutcome(outcome), form.note.data)
    flash(_("Saved."), "info")
    return redirect(url_for("staff.care", _anchor=f"r{resident.id}"), code=303)
