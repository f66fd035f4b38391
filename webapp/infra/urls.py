"""URL rules shared by every face."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Flask, abort
from werkzeug.routing import IntegerConverter, Map, Rule

from webapp.infra.numbers import MAX_ID


class DatabaseInt(IntegerConverter):
    """`<int:…>` URL parts within PostgreSQL's integer range: anything larger matches no route."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


# Addresses that changed when things got one name each (a service request is a ticket, the time bank is
# timebank): links printed on tickets, saved on home screens or sent in messages keep working. A redirect
# answers 308, so a form posted to an old address is posted again to the new one, never dropped.
MOVED = {
    "/requests": "/tickets",
    "/requests/<path:rest>": "/tickets/<rest>",
    "/kiosk/requests": "/kiosk/tickets",
    "/kiosk/requests/<path:rest>": "/kiosk/tickets/<rest>",
    "/me/time-bank": "/me/timebank",
    "/me/time-bank/<path:rest>": "/me/timebank/<rest>",
    "/kiosk/time-bank": "/kiosk/timebank",
}


def redirect_moved(app: Flask) -> None:
    for old, new in MOVED.items():
        app.url_map.add(Rule(old, endpoint="moved", redirect_to=new, methods=["GET", "HEAD", "POST"]))
    # Never called (the map redirects before dispatch); it gives the rules an endpoint like every other rule.
    app.view_functions["moved"] = _moved


def _moved(**_values: str) -> NoReturn:
    abort(404)
