"""Notice templates in the console (停水, 停电, 电梯维保 …): the office keeps its usual notices once in three
languages and starts a new notice from one, then sets its dates and buildings. Audited like notices."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.policy import Permission, deny, require
from webapp.content.notice_templates import STARTERS
from webapp.domain.life.notice_templates import (
    add_starters,
    check_template,
    delete_template,
    save_template,
    templates_of,
)
from webapp.domain.life.notices import LOCALES
from webapp.infra.db import get_session
from webapp.infra.numbers import MAX_ID
from webapp.models import NoticeTemplate
from webapp.shared.context import current_actor
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids


def template_or_404(template_id: int) -> NoticeTemplate:
    template = get_session().get(NoticeTemplate, template_id) if template_id <= MAX_ID else None
    if template is None or template.community_id not in allowed_ids(Permission.EDIT_NOTICES):
        deny(subject_type="notice_template", subject_id=template_id if template_id <= MAX_ID else None)
        abort(404)
    return template


def template_values(template: NoticeTemplate) -> dict[str, Any]:
    """A template as the notice form's values (no dates, no audience: those belong to each notice)."""
    return {
        "name": template.name,
        "titles": dict(template.titles),
        "summaries": dict(template.summaries or {}),
        "bodies": dict(template.bodies),
        "urgent": template.urgent,
    }


@bp.get("/notices/templates")
@require(Permission.EDIT_NOTICES)
def notice_templates() -> ResponseReturnValue:
    return render_template(
        "staff/notice_templates.html",
        templates=templates_of(get_session(), allowed_ids(Permission.EDIT_NOTICES)),
    )


@bp.post("/notices/templates/starters")
@require(Permission.EDIT_NOTICES)
def notice_templates_starters() -> ResponseReturnValue:
    added = add_starters(get_session(), current_actor(), min(allowed_ids(Permission.EDIT_NOTICES)), STARTERS)
    flash(_("%(count)s templates added.", count=len(added)), "info")
    return redirect(url_for("staff.notice_templates"), code=303)


@bp.route("/notices/templates/new", methods=["GET", "POST"])
@bp.route("/notices/templates/<int:template_id>", methods=["GET", "POST"])
@require(Permission.EDIT_NOTICES)
def notice_template_edit(template_id: int | None = None) -> ResponseReturnValue:
    template = template_or_404(template_id) if template_id is not None else None
    community_id = template.community_id if template else min(allowed_ids(Permission.EDIT_NOTICES))
    if request.method == "GET":
        values = template_values(template) if template else {"titles": {}, "summaries": {}, "bodies": {}}
        return render_template(
            "staff/notice_template_form.html", template=template, v=values, errors={}, locales=LOCALES
        )
    form = request.form
    values = {
        "name": (form.get("name") or "")[:200],
        "titles": {k: (form.get(f"title_{k}") or "") for k in LOCALES},
        "summaries": {k: (form.get(f"summary_{k}") or "") for k in LOCALES},
        "bodies": {k: (form.get(f"body_{k}") or "") for k in LOCALES},
        "urgent": form.get("urgent") == "1",
    }
    db = get_session()
    errors = check_template(db, community_id, template, values)
    if errors:
        page = render_template(
            "staff/notice_template_form.html", template=template, v=values, errors=errors, locales=LOCALES
        )
        return page, 400
    save_template(db, current_actor(), community_id, template, values)
    flash(_("Saved."), "info")
    return redirect(url_for("staff.notice_templates"), code=303)


@bp.post("/notices/templates/<int:template_id>/delete")
@require(Permission.EDIT_NOTICES)
def notice_template_delete(template_id: int) -> ResponseReturnValue:
    delete_template(get_session(), current_actor(), template_or_404(template_id))
    flash(_("The template is deleted. Notices written from it stay as they are."), "info")
    return redirect(url_for("staff.notice_templates"), code=303)
