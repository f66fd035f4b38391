"""The office's own wording of each kind of message (issue 16 item 7): per community and language, with a
preview and "back to the default". The rule on placeholders is the core's (`messages.wording`); a text it
refuses keeps the form as typed and says which placeholder is at fault."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from webapp.auth.policy import Permission, require
from webapp.domain.messages.wording import (
    KINDS,
    LOCALES,
    PLACEHOLDERS,
    SMS_SEGMENT,
    Checked,
    WordingError,
    check,
    overrides,
    reset_wording,
    set_wording,
)
from webapp.infra.db import get_session
from webapp.infra.i18n import current_locale
from webapp.models import Community
from webapp.shared.context import current_actor
from webapp.shared.wording import default_text, kind_label
from webapp.staff.blueprint import bp
from webapp.staff.forms import LOCALE_CHOICES
from webapp.staff.settings import chosen_community


def wording_message(exc: WordingError) -> str:
    names = ", ".join(f"%({n})s" for n in exc.names)
    return {
        "kind": lambda: _("Please change only the messages listed here."),
        "locale": lambda: _("Please change only the messages listed here."),
        "empty": lambda: _("Please write the message, or go back to the default."),
        "long": lambda: _("At most 300 characters, please."),
        "control": lambda: _("Please write plain text."),
        "unknown": lambda: _(
            "This message cannot use %(names)s. Use only the placeholders listed.", names=names
        ),
        "missing": lambda: _("This message must say %(names)s: put it back in the text.", names=names),
        "percent": lambda: _("A placeholder is mistyped: write it exactly like %%(number)s."),
    }[exc.reason]()


def chosen_locale() -> str:
    asked = request.values.get("locale") or current_locale()
    return asked if asked in LOCALES else LOCALES[0]


def render_wording(
    community: Community,
    locale: str,
    status: int = 200,
    typed: tuple[str, str] | None = None,
    error: tuple[str, str] | None = None,
    preview: tuple[str, Checked] | None = None,
) -> ResponseReturnValue:
    """The page for one language; *typed*, *error*, *preview*: (kind, …) for the one message being edited."""
    own = overrides(get_session(), community.id, locale)
    rows: list[dict[str, Any]] = [
        {
            "kind": kind,
            "label": kind_label(kind),
            "default": default_text(kind, locale),
            "own": own.get(kind),
            "text": typed[1] if typed and typed[0] == kind else own.get(kind) or default_text(kind, locale),
            "placeholders": sorted(PLACEHOLDERS[kind][0]),
            "error": error[1] if error and error[0] == kind else None,
            "preview": preview[1] if preview and preview[0] == kind else None,
        }
        for kind in KINDS
    ]
    page = render_template(
        "staff/wording.html",
        community=community,
        locale=locale,
        locales=[(code, str(label)) for code, label in LOCALE_CHOICES if code in LOCALES],
        rows=rows,
        # A refusal for a kind not on the page (a hand-made request) is said at the top.
        stray_error=error[1] if error and error[0] not in KINDS else None,
        sms_segment=SMS_SEGMENT,
    )
    return page, status


@bp.get("/settings/wording")
@require(Permission.EDIT_SETTINGS)
def wording() -> ResponseReturnValue:
    return render_wording(chosen_community(), chosen_locale())


@bp.post("/settings/wording")
@require(Permission.EDIT_SETTINGS)
def wording_save() -> ResponseReturnValue:
    """Preview (nothing kept) or save one message's text; a refused text is shown again as typed."""
    community, locale = chosen_community(), chosen_locale()
    kind = request.form.get("kind", "")[:32]
    text = request.form.get("text", "")[:2000]
    try:
        if request.form.get("action") == "preview":
            return render_wording(community, locale, typed=(kind, text), preview=(kind, check(kind, text)))
        checked = set_wording(get_session(), current_actor(), community, kind, locale, text)
    except WordingError as exc:
        return render_wording(community, locale, 400, typed=(kind, text), error=(kind, wording_message(exc)))
    flash(_("Saved."), "info")
    if checked.too_long_for_sms:
        flash(
            _(
                "This message is longer than one SMS (%(n)s characters): it may be sent and charged as two.",
                n=SMS_SEGMENT,
            ),
            "warning",
        )
    return redirect(url_for("staff.wording", community=community.id, locale=locale, _anchor=kind), code=303)


@bp.post("/settings/wording/reset")
@require(Permission.EDIT_SETTINGS)
def wording_reset() -> ResponseReturnValue:
    community, locale = chosen_community(), chosen_locale()
    kind = request.form.get("kind", "")[:32]
    try:
        reset_wording(get_session(), current_actor(), community, kind, locale)
    except WordingError as exc:
        return render_wording(community, locale, 400, error=(kind, wording_message(exc)))
    flash(_("Back to the default wording."), "info")
    return redirect(url_for("staff.wording", community=community.id, locale=locale, _anchor=kind), code=303)
