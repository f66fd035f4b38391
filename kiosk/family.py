"""My family (亲情账号) at the kiosk: after the PIN, the resident sees their family links, ends any of them,
and adds one by a one-time QR that the family member scans with their own phone."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from kiosk.blueprint import bp, visit_required
from kiosk.routes import check_visit_pin
from webapp.domain.family import links
from webapp.domain.family.links import MAX_LINKS, FamilyError
from webapp.domain.kiosk.visits import pin_is_fresh, visit_actor
from webapp.infra.db import get_session
from webapp.models import FamilyRelation
from webapp.shared import confirm
from webapp.shared.context import base_url
from webapp.shared.family import RELATION_CHOICES, SCOPE_CHOICES, refusal
from webapp.shared.options import options
from webapp.shared.pins import PinForm


class LinkForm(FlaskForm):
    relation = RadioField(
        _l("Who is it?"),
        choices=options(RELATION_CHOICES),
        validators=[DataRequired(_l("Please choose who it is."))],
    )
    scopes = SelectMultipleField(
        _l("What may they do for you?"),
        choices=options(SCOPE_CHOICES),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


def _pin_first() -> ResponseReturnValue | None:
    """Family links are personal: the PIN of this visit first (asked again after a few minutes)."""
    if pin_is_fresh(g.visit):
        return None
    form = PinForm()
    ok, message, status = check_visit_pin(form)
    if ok:
        return redirect(request.path, code=303)
    return render_template("kiosk/pin.html", form=form, message=message, fresh=False), status


@bp.route("/family", methods=["GET", "POST"])
@visit_required
def family() -> ResponseReturnValue:
    if (ask := _pin_first()) is not None:
        return ask
    db = get_session()
    return render_template(
        "kiosk/family.html",
        links=links.active_links(db, g.visit.resident_id),
        places=MAX_LINKS - links.places_taken(db, g.visit.resident_id),
    )


@bp.route("/family/new", methods=["GET", "POST"])
@visit_required
def family_new() -> ResponseReturnValue:
    """Choose who and what they may do; then the one-time QR for their phone."""
    if (ask := _pin_first()) is not None:
        return ask
    form = LinkForm()
    error = None
    if form.validate_on_submit():
        db = get_session()
        try:
            _link, token = links.create_link(
                db,
                visit_actor(g.visit),
                g.visit.resident,
                FamilyRelation(form.relation.data),
                form.scopes.data or [],
                f"kiosk:{g.kiosk.id}",
            )
        except FamilyError as exc:
            error = refusal(exc.reason)
        else:
            return render_template("kiosk/family_qr.html", url=f"{base_url()}/family/link/{token}")
    status = 400 if request.method == "POST" else 200
    return render_template("kiosk/family_new.html", form=form, error=error), status


@bp.post("/family/<int:link_id>/end")
@visit_required
def family_end(link_id: int) -> ResponseReturnValue:
    """End a link (asked once first); the family member's next page is refused."""
    if not pin_is_fresh(g.visit):
        return redirect(url_for("kiosk.family"), code=303)
    db = get_session()
    try:
        link = links.link_of_resident(db, g.visit.resident_id, link_id)
    except FamilyError:
        abort(404)
    asked = confirm.for_family_link(link)
    if not confirm.confirmed():
        return confirm.screen("kiosk", asked, url_for("kiosk.family"))
    links.end_link(db, visit_actor(g.visit), link, "resident")
    return render_template(
        "kiosk/done.html", title=asked.done, message=_("They can no longer see or do anything for you.")
    )
