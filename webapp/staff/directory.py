"""The local services directory in the console: shops, clinics, pharmacies, repairs, home care, canteens.

Opening hours are typed per weekday ("08:00-11:30, 13:00-17:00", empty when closed); the core checks them and
a bad day keeps everything typed, with the message beside that day.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.auth.policy import Permission, deny, require
from webapp.domain.life.directory import (
    LOCALES,
    WEEKDAYS,
    check_entry,
    format_day,
    provider_names,
    save_entry,
)
from webapp.infra.db import get_session
from webapp.infra.numbers import MAX_ID
from webapp.models import LocalService, PlaceKind
from webapp.shared.context import current_actor
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids


def entry_or_404(entry_id: int) -> LocalService:
    entry = get_session().get(LocalService, entry_id) if entry_id <= MAX_ID else None
    if entry is None or entry.community_id not in allowed_ids(Permission.EDIT_DIRECTORY):
        deny(subject_type="local_service", subject_id=entry_id if entry_id <= MAX_ID else None)
        abort(404)
    return entry


@bp.get("/directory")
@require(Permission.EDIT_DIRECTORY)
def directory() -> ResponseReturnValue:
    ids = allowed_ids(Permission.EDIT_DIRECTORY)
    entries = (
        get_session()
        .scalars(
            select(LocalService)
            .where(LocalService.community_id.in_(ids))
            .order_by(LocalService.community_id, LocalService.kind, LocalService.position, LocalService.id)
        )
        .all()
    )
    return render_template("staff/directory.html", entries=entries)


def form_of(entry: LocalService) -> dict[str, Any]:
    """The stored entry as the form's fields, so GET and a failed POST render the same way."""
    form: dict[str, Any] = {
        "kind": entry.kind.value,
        "address": entry.address,
        "phone": entry.phone or "",
        "closed_dates": " ".join(entry.closed_dates or []),
        "provider_name": entry.provider_name or "",
        "serves_elderly": "1" if entry.serves_elderly else "",
        "serves_disabled": "1" if entry.serves_disabled else "",
        "accepts_hours": "1" if entry.accepts_hours else "",
        "active": "1" if entry.active else "",
    }
    for loc in LOCALES:
        form[f"name_{loc}"] = entry.names.get(loc, "")
        form[f"note_{loc}"] = (entry.notes or {}).get(loc, "")
    for day in range(WEEKDAYS):
        form[f"hours_{day}"] = format_day(entry.hours[day]) if len(entry.hours) == WEEKDAYS else ""
    return form


def render_form(entry: LocalService | None, form: dict[str, Any], errors: dict[str, str]):
    return render_template(
        "staff/directory_form.html",
        entry=entry,
        f=form,
        errors=errors,
        kinds=list(PlaceKind),
        locales=LOCALES,
        providers=provider_names(get_session(), allowed_ids(Permission.EDIT_DIRECTORY)),
    ), (400 if errors else 200)


@bp.route("/directory/new", methods=["GET", "POST"])
@bp.route("/directory/<int:entry_id>", methods=["GET", "POST"])
@require(Permission.EDIT_DIRECTORY)
def directory_edit(entry_id: int | None = None) -> ResponseReturnValue:
    entry = entry_or_404(entry_id) if entry_id is not None else None
    if request.method == "GET":
        form = form_of(entry) if entry else {"active": "1", "kind": PlaceKind.SHOP.value}
        return render_form(entry, form, {})
    raw = {k: str(v)[:2000] for k, v in request.form.items() if k != "csrf_token"}
    db = get_session()
    community = entry.community_id if entry else min(allowed_ids(Permission.EDIT_DIRECTORY))
    # Only a provider answering services of this entry's own community: a link to any other leads nowhere.
    values, errors = check_entry(raw, provider_names(db, frozenset({community})))
    if errors:
        return render_form(entry, raw, errors)
    saved = save_entry(db, current_actor(), community, entry, values)
    flash(_("Saved."), "info")
    return redirect(url_for("staff.directory_edit", entry_id=saved.id), code=303)
