"""Every face answers the core's "archived community" refusal alike: a translated message and a 409, in the
face's own layout (kiosk, phone, console), JSON for a script, problem details for the API. The rule itself is
the core's (`webapp.domain.ensure_open`); nothing is written: the unit of work rolls back on a 4xx."""

from __future__ import annotations

from flask import Flask
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from webapp.domain import CommunityArchived
from webapp.infra.errors import answer_error

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
        return answer_error(409, *ARCHIVED)
