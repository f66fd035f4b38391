"""Phone pages for residents. Card sign-in arrives with the identity issue."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from webapp.domain.register.community import default_community
from webapp.infra.db import get_session
from webapp.infra.page_cache import shared_page
from webapp.resident.account import signed_in_resident
from webapp.resident.blueprint import bp


@bp.get("/")
@shared_page
def home() -> ResponseReturnValue:
    """The public start page; a signed-in resident's home is their own page (the installed app opens here)."""
    if signed_in_resident() is not None:
        return redirect(url_for("resident.me"), code=303)
    community = default_community(get_session())
    if community is None:
        abort(404)
    from webapp.domain.register.settings import closures_ahead
    from webapp.resident.notices import urgent_for_everyone

    return render_template(
        "resident/home.html",
        community=community,
        urgent=urgent_for_everyone(community),
        closures=closures_ahead(community),
    )
