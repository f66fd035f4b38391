"""Every face answers the core's "archived community" refusal alike: a translated message and a 409, in the
face's own layout (kiosk, phone, console), or JSON for a script. The rule itself is the core's
(`webapp.domain.ensure_open`); nothing is written, since the request's unit of work rolls back on a 4xx."""

from __future__ import annotations

from flask import Flask
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from webapp.domain import CommunityArchived
from webapp.infra.errors import json_error, render_error, wants_json_error

ARCHIVED = (
    _l("This community is closed"),
    _l(
        "Its office has archived it: everything here can still be read, but nothing new can be started. "
        "Please ask the community office."
    ),
)


def init_app(app: Flask) -> None:
    @app.errorhandler(CommunityArchived)
    def _archived(_error: CommunityArchived) -> ResponseReturnValue:
        if wants_json_error():
            return json_error(409, *ARCHIVED)
        return render_error(409, *ARCHIVED)
