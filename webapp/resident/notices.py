"""Notices on the phone: the ones meant for me, urgent first, and "I have read this" in one tap; and a public
list of the notices for everyone.

Urgent notices stay at the top of My Linli until confirmed (its view passes `urgent`, shown by
resident/_urgent.html); anonymous visitors see the community's urgent notices for everyone on the start page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.principals import the_resident
from webapp.domain.life.notices import (
    NoticeError,
    current_notices,
    is_for,
    local_today,
    mark_read,
    notices_for,
    read_ids,
)
from webapp.domain.register.community import default_community
from webapp.infra.db import get_session
from webapp.infra.numbers import MAX_ID
from webapp.models import Community, Notice, Resident
from webapp.resident.account import resident_required, signed_in_resident
from webapp.resident.blueprint import bp
from webapp.shared.context import current_actor
from webapp.shared.messages import life_error

CHANNEL = "phone"


def urgent_for_everyone(community: Community) -> list[Notice]:
    """The start page's urgent notices for everyone, computed by its view (a template never queries), for
    the community the view has already loaded."""
    return [n for n in current_notices(get_session(), community.id, public_only=True) if n.urgent]


@bp.get("/notices")
def public_notices() -> ResponseReturnValue:
    """The community's notices for everyone, the same page for every visitor (so it may be kept offline);
    a signed-in resident finds the ones meant for them, with "I have read this", under My Linli."""
    community = default_community(get_session())
    if community is None:
        abort(404)
    shown = current_notices(get_session(), community.id, public_only=True)
    return render_template("resident/notices_public.html", community=community, notices=shown)


def my_notice_or_404(notice_id: int) -> tuple[Notice, Resident]:
    resident = signed_in_resident()
    notice = get_session().get(Notice, notice_id) if notice_id <= MAX_ID else None
    if notice is None or resident is None or not is_for(notice, resident, local_today(resident)):
        abort(404)
    return notice, resident


@bp.get("/me/notices")
@resident_required
def my_notices() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    shown = notices_for(db, resident)
    return render_template(
        "resident/notices.html", notices=shown, read=read_ids(db, resident.id, [n.id for n in shown])
    )


@bp.get("/me/notices/<int:notice_id>")
@resident_required
def my_notice(notice_id: int) -> ResponseReturnValue:
    notice, resident = my_notice_or_404(notice_id)
    read = notice.id in read_ids(get_session(), resident.id, [notice.id])
    return render_template("resident/notice.html", notice=notice, read=read, error=None)


@bp.post("/me/notices/<int:notice_id>/read")
@resident_required
def my_notice_read(notice_id: int) -> ResponseReturnValue:
    notice, resident = my_notice_or_404(notice_id)
    db = get_session()
    try:
        mark_read(db, current_actor(), notice, resident, CHANNEL)
    except NoticeError as exc:
        return render_template(
            "resident/notice.html", notice=notice, read=False, error=life_error(exc.reason)
        ), 400
    flash(_("Thank you. We have noted that you read it."), "info")
    back = request.form.get("back")
    return redirect(url_for("resident.me") if back == "me" else url_for("resident.my_notices"), code=303)
