"""The console's first screen (what needs this person now) and the live counts every console page shows.

Every figure is scoped by policy: tickets by webapp.domain.desk.scope_of, the care list, claims and kiosks by
the communities where the role may open those pages. Only counts are shown here: names stay on the pages
that audit their views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import g, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.auth.policy import Permission, can, community_ids, require
from webapp.domain.desk import queue as desk
from webapp.domain.identity.throttle import security_warnings
from webapp.domain.kiosk.care import care_list
from webapp.domain.kiosk.devices import is_online
from webapp.domain.life.volunteering import pending_claims
from webapp.domain.register.community import communities_by_id, kiosks_in, summarise
from webapp.domain.register.setup import is_set_up
from webapp.domain.safety.calls import HelpCounts, counts
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.security import background
from webapp.staff.blueprint import bp

# What a burst of failures means, for the warnings on the overview (rules: domain/identity/throttle.py).
BURST_LABELS = {
    "pairing.address": _l("Many wrong kiosk pairing codes from one address"),
    "pairing.all": _l("Many wrong kiosk pairing codes"),
    "link.address": _l("Many unknown card, hand-off or certificate links from one address"),
    "link.all": _l("Many unknown card, hand-off or certificate links"),
    "sign_in.pair": _l("Repeated wrong passwords or codes for one account from one address"),
    "sign_in.user": _l("Repeated wrong passwords or codes for one account"),
    "sign_in.address": _l("Many failed staff sign-ins from one address"),
}


def work_counts() -> desk.WorkCounts:
    """New, urgent and overdue tickets for the signed-in person, counted once per request."""
    if "work_counts" not in g:
        g.work_counts = desk.work_counts(get_session(), desk.scope_of(current_user.staff))
    return g.work_counts


@dataclass(frozen=True)
class Todo:
    """What the overview lists; None where the role does not cover it (then nothing is shown)."""

    tickets: desk.WorkCounts | None
    care_waiting: int | None  # people living alone not seen today and not yet called
    claims_waiting: int | None  # volunteers' hours to approve
    kiosks_offline: list[str] | None  # names of paired kiosks not heard from
    help_calls: HelpCounts | None = None  # open help calls, and how many in the last 30 days


def todo_for_now() -> Todo:
    db = get_session()
    staff = current_user.staff
    tickets = work_counts() if can(staff, Permission.HANDLE_TICKETS) else None
    care = None
    if can(staff, Permission.VIEW_RESIDENTS):
        ids = community_ids(staff, Permission.VIEW_RESIDENTS)
        care = sum(1 for c in communities_by_id(db, ids) for row in care_list(db, c) if row.action is None)
    claims = None
    if can(staff, Permission.TIME_BANK):
        claims = len(pending_claims(db, frozenset(community_ids(staff, Permission.TIME_BANK))))
    offline = None
    if can(staff, Permission.VIEW_KIOSKS):
        now = clock.now()
        offline = [
            k.name
            for k in kiosks_in(db, community_ids(staff, Permission.VIEW_KIOSKS))
            if k.device_token_hash and not is_online(k, now)
        ]
    help_counts = None
    if can(staff, Permission.VIEW_RESIDENTS):  # the office: a call names a resident
        help_counts = counts(
            db, community_ids(staff, Permission.VIEW_RESIDENTS), clock.now() - timedelta(days=30)
        )
    return Todo(tickets, care, claims, offline, help_counts)


@bp.get("/")
def dashboard() -> ResponseReturnValue:
    if not is_set_up(get_session()):
        return render_template("auth/not_set_up.html")  # a fresh instance: say how to create the community
    return _dashboard()


@require(Permission.CONSOLE)
def _dashboard() -> ResponseReturnValue:
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
        todo=todo_for_now(),
    )


@bp.get("/work")
@background
@require(Permission.HANDLE_TICKETS)
def work_now() -> ResponseReturnValue:
    """The live counts (new, urgent, overdue) every console page polls: one small query, never cached."""
    counts = work_counts()
    response = jsonify(
        new=counts.new,
        urgent=counts.urgent,
        overdue=counts.overdue,
        total=counts.total,
        newest=counts.newest,
        urgent_numbers=list(counts.urgent_numbers),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
