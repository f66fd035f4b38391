"""Every HTML GET route of the app, with demo parameters, so that no page escapes the checks.

A new route fails the route tests until it is given parameters here (if it has any) or excluded
with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

# Endpoint -> the demo parameter sets to visit it with.
DEMO_PARAMS: dict[str, list[dict[str, str]]] = {
    "gallery.components": [{"theme": "kiosk"}, {"theme": "phone"}],
}

# Endpoint -> why it is not an HTML page to check.
EXCLUDED: dict[str, str] = {
    "static": "static files, not pages (their weight is counted with each page)",
    "resident.health": "JSON health check for load balancers, not a page",
}

# Error pages, one per face, reached through URLs that match no route.
ERROR_PAGES = ["/no-such-page", "/kiosk/no-such-page", "/staff/no-such-page"]

KIOSK_PREFIXES = ("/kiosk", "/design/kiosk")


@dataclass(frozen=True)
class Route:
    endpoint: str
    path: str

    @property
    def is_staff(self) -> bool:
        return self.path.startswith("/staff")

    @property
    def theme(self) -> str:
        return "kiosk" if self.path.startswith(KIOSK_PREFIXES) else "phone"


def html_get_routes(app: Flask) -> tuple[list[Route], list[str]]:
    """Return (routes to check, endpoints neither covered nor excluded)."""
    routes: list[Route] = []
    uncovered: list[str] = []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in (rule.methods or ()) or rule.endpoint in EXCLUDED:
                continue
            params = DEMO_PARAMS.get(rule.endpoint)
            if params is None:
                if rule.arguments:
                    uncovered.append(rule.endpoint)
                    continue
                params = [{}]
            for values in params:
                routes.append(Route(rule.endpoint, url_for(rule.endpoint, **values)))
    routes += [Route("error", path) for path in ERROR_PAGES]
    return routes, uncovered
