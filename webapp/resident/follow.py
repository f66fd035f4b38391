"""Following a ticket from its QR code: status and timeline only, never the resident's personal data."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from webapp.domain.desk.public import public_view, ticket_for_follow_token
from webapp.infra.db import get_session
from webapp.resident.blueprint import bp


@bp.get("/t/<token>")
def ticket_public(token: str) -> ResponseReturnValue:
    request = ticket_for_follow_token(get_session(), token[:100])
    if request is None:
        return render_template("resident/ticket_public.html", view=None), 404
    return render_template("resident/ticket_public.html", view=public_view(request))
