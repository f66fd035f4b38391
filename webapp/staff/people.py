"""Deletion requests from residents, confirmed (or not) by an administrator."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.auth.policy import Permission, deny, require
from webapp.domain.privacy.rights import DeletionAlreadyDecided, cancel_deletion, confirm_deletion
from webapp.infra.db import get_session
from webapp.infra.unit_of_work import refuse
from webapp.models import DeletionRequest, DeletionStatus, Resident
from webapp.shared.context import current_actor
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids


def _request_or_404(request_id: int) -> DeletionRequest:
    from flask import abort

    found = get_session().get(DeletionRequest, request_id)
    if found is None or found.resident.community_id not in allowed_ids(Permission.CONFIRM_DELETION):
        deny(subject_type="deletion_request", subject_id=request_id)
        abort(404)
    return found


@bp.get("/deletions")
@require(Permission.CONFIRM_DELETION)
def deletions() -> ResponseReturnValue:
    ids = allowed_ids(Permission.CONFIRM_DELETION)
    pending = get_session().scalars(
        select(DeletionRequest)
        .join(Resident)
        .where(Resident.community_id.in_(ids), DeletionRequest.status == DeletionStatus.REQUESTED)
        .order_by(DeletionRequest.requested_at)
    )
    return render_template("staff/deletions.html", pending=list(pending))


@bp.post("/deletions/<int:request_id>/confirm")
@require(Permission.CONFIRM_DELETION)
def deletion_confirm(request_id: int) -> ResponseReturnValue:
    found = _request_or_404(request_id)
    db = get_session()
    try:
        confirm_deletion(db, current_actor(), found)
    except DeletionAlreadyDecided:
        refuse()
        flash(_("This request was already decided."), "info")
        return redirect(url_for("staff.deletions"), code=303)
    flash(_("Personal data erased. Their tickets are kept without their name."), "info")
    return redirect(url_for("staff.deletions"), code=303)


@bp.post("/deletions/<int:request_id>/cancel")
@require(Permission.CONFIRM_DELETION)
def deletion_cancel(request_id: int) -> ResponseReturnValue:
    found = _request_or_404(request_id)
    db = get_session()
    try:
        cancel_deletion(db, current_actor(), found)
    except DeletionAlreadyDecided:
        refuse()
        flash(_("This request was already decided."), "info")
        return redirect(url_for("staff.deletions"), code=303)
    flash(_("The request was cancelled."), "info")
    return redirect(url_for("staff.deletions"), code=303)
