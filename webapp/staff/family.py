"""Family links at the office: staff make a one-time QR for a resident standing at the desk, and end a link
(each audited, as every change to a resident's record)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.policy import Permission, require
from webapp.domain.family import links
from webapp.domain.family.links import FamilyError
from webapp.infra.db import get_session
from webapp.infra.unit_of_work import refuse
from webapp.models import FamilyRelation
from webapp.shared.context import base_url, channel, current_actor
from webapp.shared.family import refusal, relation_words
from webapp.staff.blueprint import bp
from webapp.staff.scope import resident_or_404


@bp.post("/residents/<int:resident_id>/family")
@require(Permission.EDIT_RESIDENTS)
def family_link_new(resident_id: int) -> ResponseReturnValue:
    """The resident at the desk chose who and what: the QR their family member scans."""
    resident = resident_or_404(resident_id, Permission.EDIT_RESIDENTS)
    relation = request.form.get("relation", "")
    if relation not in FamilyRelation._value2member_map_:
        refuse()
        flash(_("Please choose who it is."), "error")
        return redirect(url_for("staff.resident_detail", resident_id=resident.id, _anchor="family"), code=303)
    try:
        _link, token = links.create_link(
            get_session(),
            current_actor(),
            resident,
            FamilyRelation(relation),
            request.form.getlist("scopes"),
            channel(),
        )
    except FamilyError as exc:
        refuse()
        flash(refusal(exc.reason), "error")
        return redirect(url_for("staff.resident_detail", resident_id=resident.id, _anchor="family"), code=303)
    return render_template("staff/family_qr.html", resident=resident, url=f"{base_url()}/family/link/{token}")


@bp.post("/residents/<int:resident_id>/family/<int:link_id>/end")
@require(Permission.EDIT_RESIDENTS)
def family_link_end(resident_id: int, link_id: int) -> ResponseReturnValue:
    resident = resident_or_404(resident_id, Permission.EDIT_RESIDENTS)
    db = get_session()
    try:
        link = links.link_of_resident(db, resident.id, link_id)
    except FamilyError:
        abort(404)
    links.end_link(db, current_actor(), link, "staff")
    flash(_("The family link (%(relation)s) has ended.", relation=relation_words(link.relation)), "info")
    return redirect(url_for("staff.resident_detail", resident_id=resident.id, _anchor="family"), code=303)
