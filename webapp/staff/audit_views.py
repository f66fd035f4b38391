"""Searching the audit trail (administrators, their own communities only)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import render_template, request
from flask.typing import ResponseReturnValue

from webapp.auth.policy import Permission, require
from webapp.domain.privacy.audit import AuditQuery, actions_in_use, search
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids

PAGE = 50


def _day(value: str | None) -> datetime | None:
    try:
        return datetime.combine(datetime.strptime(value or "", "%Y-%m-%d").date(), time(), UTC)
    except ValueError:
        return None


@bp.get("/audit")
@require(Permission.VIEW_AUDIT)
def audit() -> ResponseReturnValue:
    ids = allowed_ids(Permission.VIEW_AUDIT)
    args = request.args
    subject = args.get("resident", "")
    until = _day(args.get("until"))
    query = AuditQuery(
        community_ids=ids,
        action=args.get("action") or None,
        actor_name=(args.get("actor") or "")[:64] or None,
        subject_type="resident" if small_int(subject) is not None else None,
        subject_id=small_int(subject),
        since=_day(args.get("since")),
        until=until + timedelta(days=1) if until else None,
    )
    page = max(1, small_int(args.get("page"), 10_000) or 1)
    db = get_session()
    entries = search(db, query, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render_template(
        "staff/audit.html",
        entries=entries[:PAGE],
        has_more=len(entries) > PAGE,
        page=page,
        actions=actions_in_use(db, ids),
        args=args,
    )
