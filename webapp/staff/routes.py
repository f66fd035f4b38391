"""Staff console pages; every query is scoped to the communities the user's roles allow."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from webapp import clock
from webapp.auth.policy import Permission, community_ids, require
from webapp.db import get_session
from webapp.domain.community import communities_by_id, summarise
from webapp.staff.blueprint import bp


@bp.get("/")
@require(Permission.CONSOLE)
def dashboard() -> ResponseReturnValue:
    db = get_session()
    staff = current_user.staff
    today = clock.now().date()
    summaries = [
        summarise(db, c, today)
        for c in communities_by_id(db, community_ids(staff, Permission.VIEW_COMMUNITY))
    ]
    return render_template("staff/dashboard.html", summaries=summaries, roles=staff.roles)
