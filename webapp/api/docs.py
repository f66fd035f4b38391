"""The API's description: the OpenAPI 3.1 document, and a page that reads it for people (served by Linli,
no CDN, no script): every operation with its method, address, scope, summary and answers."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from webapp.api.blueprint import docs

C = "/api/v1/communities/{slug}"
# The page's words for each operation, in the reader's language. The OpenAPI document keeps the English of the
# views' docstrings (machine-readable, one language); a test holds the two together, and a new operation
# without words here fails it.
WORDS: dict[tuple[str, str], tuple[Any, Any]] = {
    ("GET", "/api/v1/communities"): (_l("The communities this key reaches."), None),
    ("GET", f"{C}/appointments"): (
        _l("Appointments from today on: which ticket, when and where (not who)."),
        None,
    ),
    ("GET", f"{C}/directory"): (
        _l("The local services directory (shops, clinics, canteens): businesses' own public details."),
        None,
    ),
    ("GET", f"{C}/events"): (_l("Coming events and classes (training sessions), soonest first."), None),
    ("GET", f"{C}/figures"): (
        _l(
            "The desk's figures: open and overdue now, resolved in the last 90 days, time to resolve, rating."
        ),
        None,
    ),
    ("GET", f"{C}/notices"): (
        _l("Current notices meant for everyone (not those for some buildings or groups only)."),
        None,
    ),
    ("POST", f"{C}/notices"): (
        _l("Publish a notice to the whole community (as the office's notices page does)."),
        None,
    ),
    ("GET", f"{C}/service-types"): (
        _l("The services residents can ask for here, with the questions the API asks."),
        None,
    ),
    ("GET", f"{C}/slots"): (_l("Future appointment slots with a free place, per service."), None),
    ("GET", f"{C}/tickets"): (
        _l("Tickets in change order (oldest change first): page through with `updated_since` and `page`."),
        _l("Answers carry an ETag; send it back as If-None-Match to get 304 when nothing changed."),
    ),
    ("POST", f"{C}/tickets"): (
        _l("File a ticket about a common area (nobody's own flat), as the office would at the desk."),
        None,
    ),
    ("GET", f"{C}/tickets/{{number}}"): (_l("One ticket with its public timeline."), None),
    ("POST", f"{C}/tickets/{{number}}/notes"): (
        _l("Add a public note (the resident sees it and is told)."),
        None,
    ),
    ("POST", f"{C}/tickets/{{number}}/status"): (
        _l("Move a ticket along its life cycle, as the office would (a rejection needs a note)."),
        None,
    ),
}


def document() -> dict[str, Any]:
    """The OpenAPI document, once every view of the API is imported (pydantic and SpecTree with them)."""
    from webapp.api.routes import import_views
    from webapp.api.spec import document as made

    import_views(current_app._get_current_object())  # type: ignore[attr-defined]
    return made()


@docs.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document())


def operations() -> list[dict[str, Any]]:
    """The document's operations in address order, with the scope each route's guard asks for."""
    scopes = {}  # by address and method: a GET and a POST of one address ask for different scopes
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions.get(rule.endpoint)
        if view is not None and hasattr(view, "api_scope"):
            for method in rule.methods or ():
                scopes[rule.rule, method] = view.api_scope.value
    found = []
    doc = document()
    for path, methods in sorted(doc.get("paths", {}).items()):
        flask_path = path.replace("{", "<").replace("}", ">")
        for method, op in methods.items():
            summary, description = WORDS.get((method.upper(), path), (op.get("summary", ""), None))
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": str(summary),
                    "description": str(description) if description else op.get("description", ""),
                    "scope": scopes.get((flask_path, method.upper()), ""),
                    "answers": sorted(op.get("responses", {})),
                    "body": bool(op.get("requestBody")),
                }
            )
    return found


@docs.get("/docs")
def docs_page() -> ResponseReturnValue:
    return render_template("api/docs.html", operations=operations(), doc=document())
