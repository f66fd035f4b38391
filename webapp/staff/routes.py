"""Staff console pages; every query is scoped to the communities the user's roles allow."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp import clock
from webapp.auth.policy import Permission, community_ids, require
from webapp.db import get_session
from webapp.domain.community import communities_by_id, summarise
from webapp.domain.throttle import security_warnings
from webapp.staff.blueprint import bp

# What a burst of failures means, for the warnings on the overview (rules: webapp/domain/throttle.py).
BURST_LABELS = {
    "pairing.address": _l("Many wrong kiosk pairing codes from one address"),
    "pairing.all": _l("Many wrong kiosk pairing codes"),
    "link.address": _l("Many unknown card, hand-off or certificate links from one address"),
    "link.all": _l("Many unknown card, hand-off or certificate links"),
    "sign_in.pair": _l("Repeated wrong passwords or codes for one account from one address"),
    "sign_in.user": _l("Repeated wrong passwords or codes for one account"),
    "sign_in.address": _l("Many failed staff sign-ins from one address"),
}


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
    warnings = security_warnings(db, staff.id, community_ids(staff, Permission.VIEW_AUDIT))
    return render_template(
        "staff/dashboard.html",
        summaries=summaries,
        roles=staff.roles,
        security_warnings=warnings,
        burst_labels=BURST_LABELS,
    )
