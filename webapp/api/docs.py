"""The API's description: the OpenAPI 3.1 document, and a page that reads it for people (served by Linli,
no CDN, no script): every operation with its method, address, scope, summary and answers."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

from webapp.api.blueprint import docs


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
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "scope": scopes.get((flask_path, method.upper()), ""),
                    "answers": sorted(op.get("responses", {})),
                    "body": bool(op.get("requestBody")),
                }
            )
    return found


@docs.get("/docs")
def docs_page() -> ResponseReturnValue:
    return render_template("api/docs.html", operations=operations(), doc=document())
