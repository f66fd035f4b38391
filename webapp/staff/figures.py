"""Services desk figures: open and overdue, time to resolve, satisfaction; charts drawn on the server."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.auth.policy import Permission, require
from webapp.domain.desk import queue as desk
from webapp.infra.db import get_session
from webapp.models import Building
from webapp.shared.labels import category_label
from webapp.staff.blueprint import bp
from webapp.staff.tickets import my_scope


@bp.get("/desk")
@require(Permission.HANDLE_TICKETS)
def desk_figures() -> ResponseReturnValue:
    db = get_session()
    scope = my_scope()
    figures = desk.figures(db, scope)
    locale = str(get_locale())
    names = {
        b.id: b.name(locale)
        for b in db.scalars(select(Building).where(Building.community_id.in_(scope.community_ids)))
    }
    unknown = _("Common area or not known")
    by_building = [(names.get(k or 0, unknown), o, late) for k, o, late in figures.by_building]
    by_category = [(category_label(k), o, late) for k, o, late in figures.by_category]
    return render_template(
        "staff/desk.html", figures=figures, by_building=by_building, by_category=by_category
    )
