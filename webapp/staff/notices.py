"""Notices in the console: write them in three languages, aim and schedule them, withdraw them, and see who in
the audience has not confirmed an urgent one (a list of names and flats, so it needs VIEW_RESIDENTS and every
view of it is audited).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.auth.policy import Permission, deny, require
from webapp.domain.life.notice_templates import templates_of
from webapp.domain.life.notices import (
    LOCALES,
    buildings_of,
    check_notice,
    is_current,
    not_read,
    read_count,
    save_notice,
    withdraw,
)
from webapp.domain.privacy.audit import record
from webapp.infra import clock
from webapp.infra.db import get_session, writes
from webapp.infra.i18n import current_locale
from webapp.infra.numbers import MAX_ID
from webapp.models import Building, Community, Notice, NoticeGroup, NoticeTemplate
from webapp.shared.context import current_actor
from webapp.staff.blueprint import bp
from webapp.staff.notice_templates import template_or_404, template_values
from webapp.staff.scope import allowed_ids


def local_input(text: str | None, timezone: str) -> datetime | None:
    """A form's "2026-12-01T09:00" (the community's wall clock) as an aware UTC time; None if not a time."""
    value = (text or "").strip()[:16]
    try:
        naive = datetime.strptime(value, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    if not 2000 <= naive.year <= 2100:  # year 1 would overflow on the way to UTC
        return None
    return naive.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def input_value(at: datetime | None, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%dT%H:%M") if at else ""


def notice_or_404(notice_id: int) -> Notice:
    notice = get_session().get(Notice, notice_id) if notice_id <= MAX_ID else None
    if notice is None or notice.community_id not in allowed_ids(Permission.EDIT_NOTICES):
        deny(subject_type="notice", subject_id=notice_id if notice_id <= MAX_ID else None)
        abort(404)
    return notice


@bp.get("/notices")
@require(Permission.EDIT_NOTICES)
def notices() -> ResponseReturnValue:
    ids = allowed_ids(Permission.EDIT_NOTICES)
    db = get_session()
    rows = db.scalars(
        select(Notice)
        .where(Notice.community_id.in_(ids))
        .order_by(Notice.withdrawn_at.is_not(None), Notice.starts_at.desc(), Notice.id.desc())
        .limit(200)
    ).all()
    now = clock.now()
    return render_template(
        "staff/notices.html",
        notices=rows,
        counts={n.id: read_count(db, n) for n in rows if n.urgent and is_current(n, now)},
        now=now,
        is_current=is_current,
        may_list=allowed_ids(Permission.VIEW_RESIDENTS),
        building_names={
            b.id: b.name(current_locale())
            for b in db.scalars(select(Building).where(Building.community_id.in_(ids)))
        },
    )


def values_from(form: Any, timezone: str) -> dict[str, Any]:
    ends_text = (form.get("ends") or "").strip()
    ends_at = local_input(ends_text, timezone) if ends_text else None
    building_ids = [int(v) for v in form.getlist("buildings") if v.isascii() and v.isdigit() and len(v) < 10]
    return {
        "titles": {k: (form.get(f"title_{k}") or "") for k in LOCALES},
        "summaries": {k: (form.get(f"summary_{k}") or "") for k in LOCALES},
        "bodies": {k: (form.get(f"body_{k}") or "") for k in LOCALES},
        "urgent": form.get("urgent") == "1",
        "starts_at": local_input(form.get("starts"), timezone),
        "ends_at": ends_at,
        "ends_bad": bool(ends_text) and ends_at is None,
        "building_ids": building_ids,
        "groups": [g for g in form.getlist("groups")][:10],
        "starts_text": (form.get("starts") or "")[:16],
        "ends_text": ends_text[:16],
    }


def values_of(notice: Notice) -> dict[str, Any]:
    zone = notice.community.timezone
    return {
        "titles": dict(notice.titles),
        "summaries": dict(notice.summaries or {}),
        "bodies": dict(notice.bodies),
        "urgent": notice.urgent,
        "building_ids": list(notice.building_ids or []),
        "groups": list(notice.groups or []),
        "starts_text": input_value(notice.starts_at, zone),
        "ends_text": input_value(notice.ends_at, zone),
    }


def _picked_template() -> NoticeTemplate | None:
    """The template asked for with ?template= (one of the person's communities'), if any."""
    asked = request.args.get("template", "")
    if not (asked.isascii() and asked.isdigit() and len(asked) < 10):
        return None
    return template_or_404(int(asked))


def render_form(notice: Notice | None, community: Community, values: dict[str, Any], errors: dict[str, str]):
    return render_template(
        "staff/notice_form.html",
        notice=notice,
        templates=templates_of(get_session(), [community.id]) if notice is None else [],
        v=values,
        errors=errors,
        locales=LOCALES,
        buildings=buildings_of(get_session(), community.id),
        groups=list(NoticeGroup),
    ), (400 if errors else 200)


@bp.route("/notices/new", methods=["GET", "POST"])
@bp.route("/notices/<int:notice_id>", methods=["GET", "POST"])
@require(Permission.EDIT_NOTICES)
def notice_edit(notice_id: int | None = None) -> ResponseReturnValue:
    notice = notice_or_404(notice_id) if notice_id is not None else None
    db = get_session()
    community = notice.community if notice else db.get(Community, min(allowed_ids(Permission.EDIT_NOTICES)))
    assert community is not None  # noqa: S101 (require() found at least one community)
    if request.method == "GET":
        if notice is not None:
            values = values_of(notice)
        else:
            start = input_value(clock.now(), community.timezone)
            values = {"titles": {}, "summaries": {}, "bodies": {}, "starts_text": start, "groups": []}
            template = _picked_template()
            if template is not None:
                values.update(template_values(template))
        return render_form(notice, community, values, {})
    values = values_from(request.form, community.timezone)
    errors = check_notice(values, {b.id for b in buildings_of(db, community.id)})
    if errors:
        return render_form(notice, community, values, errors)
    saved = save_notice(db, current_actor(), community.id, notice, values)
    flash(_("Saved."), "info")
    return redirect(url_for("staff.notice_edit", notice_id=saved.id), code=303)


@bp.post("/notices/<int:notice_id>/withdraw")
@require(Permission.EDIT_NOTICES)
def notice_withdraw(notice_id: int) -> ResponseReturnValue:
    notice = notice_or_404(notice_id)
    db = get_session()
    withdraw(db, current_actor(), notice)
    flash(_("The notice is no longer shown."), "info")
    return redirect(url_for("staff.notices"), code=303)


@bp.get("/notices/<int:notice_id>/not-read")
@writes
@require(Permission.EDIT_NOTICES)
def notice_not_read(notice_id: int) -> ResponseReturnValue:
    """Who in the audience has not confirmed: names and flats, to knock on doors (a view of personal data)."""
    notice = notice_or_404(notice_id)
    if notice.community_id not in allowed_ids(Permission.VIEW_RESIDENTS):
        deny(
            subject_type="notice",
            subject_id=notice_id if notice_id <= MAX_ID else None,
            permission=Permission.VIEW_RESIDENTS.value,
        )
        abort(403)
    db = get_session()
    people = not_read(db, notice)
    record(
        db,
        current_actor(),
        "notice.not_read_list",
        "notice",
        notice.id,
        notice.community_id,
        shown=len(people),
    )
    return render_template(
        "staff/notice_not_read.html", notice=notice, people=people, count=read_count(db, notice)
    )
