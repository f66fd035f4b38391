"""The JSON API's addresses, registered when the app is made; its views are imported at their first call.

The views validate with pydantic through SpecTree, whose decorators build every schema at import: about 11 MiB
and 75 modules that each web worker would carry for the few requests that are API calls (docs/performance.md,
"Start-up and memory"). Flask takes no new address after the first request, so the addresses are here and a
stand-in answers until its view is imported. The stand-in carries what the app reads of a view before calling
it (the guard's scope, and that API views write: each call is counted); a test holds table and views together.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from flask import Blueprint, Flask, current_app

from webapp.domain.identity.api_keys import Scope


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    module: str  # in webapp.api
    view: str
    scope: Scope


C = "/communities/<slug>"
ROUTES = (
    Route("GET", "/communities", "v1_tickets", "communities", Scope.READ_CATALOG),
    Route("GET", f"{C}/service-types", "v1_tickets", "service_types", Scope.READ_CATALOG),
    Route("GET", f"{C}/tickets", "v1_tickets", "ticket_list", Scope.READ_TICKETS),
    Route("GET", f"{C}/tickets/<number>", "v1_tickets", "ticket_read", Scope.READ_TICKETS),
    Route("POST", f"{C}/tickets", "v1_tickets", "ticket_create", Scope.WRITE_TICKETS),
    Route("POST", f"{C}/tickets/<number>/status", "v1_tickets", "ticket_status", Scope.WRITE_TICKETS),
    Route("POST", f"{C}/tickets/<number>/notes", "v1_tickets", "ticket_note", Scope.WRITE_TICKETS),
    Route("GET", f"{C}/slots", "v1_life", "slots", Scope.READ_BOOKINGS),
    Route("GET", f"{C}/appointments", "v1_life", "appointments", Scope.READ_BOOKINGS),
    Route("GET", f"{C}/notices", "v1_life", "notice_list", Scope.READ_LIFE),
    Route("POST", f"{C}/notices", "v1_life", "notice_publish", Scope.PUBLISH_NOTICES),
    Route("GET", f"{C}/events", "v1_life", "event_list", Scope.READ_LIFE),
    Route("GET", f"{C}/directory", "v1_life", "directory_list", Scope.READ_LIFE),
    Route("GET", f"{C}/figures", "v1_life", "desk_figures", Scope.READ_FIGURES),
)

_lock = threading.Lock()


class StandIn:
    """Answers for a view not yet imported: imports it, puts it in the app's place for it, and calls it."""

    linli_writes = True  # as `keys.guard` marks every API view: counting the key's calls writes

    def __init__(self, endpoint: str, route: Route) -> None:
        self.endpoint = endpoint
        self.route = route
        self.api_scope = route.scope
        self.__name__ = route.view

    def __call__(self, **kwargs: Any) -> Any:
        return view_of(current_app._get_current_object(), self.endpoint, self.route)(**kwargs)  # type: ignore[attr-defined]


def view_of(app: Flask, endpoint: str, route: Route) -> Any:
    with _lock:
        view = getattr(import_module(f"webapp.api.{route.module}"), route.view)
        from webapp.api.spec import bind

        bind(app)
        app.view_functions[endpoint] = view
    return view


def add_routes(blueprint: Blueprint) -> None:
    for route in ROUTES:
        endpoint = route.view
        blueprint.add_url_rule(
            route.rule, endpoint, StandIn(f"{blueprint.name}.{endpoint}", route), methods=[route.method]
        )


def import_views(app: Flask) -> None:
    """Put every view in place (the OpenAPI document is made from them)."""
    for endpoint, view in list(app.view_functions.items()):
        if isinstance(view, StandIn):
            view_of(app, endpoint, view.route)
