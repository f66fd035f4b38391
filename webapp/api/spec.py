"""The OpenAPI 3.1 document of the JSON API, made by SpecTree from the routes and their pydantic shapes.

SpecTree validates each route's input and output with the same shapes it documents. It is bound to the app
by hand (not `register`), so that it adds no pages of its own: Linli serves the document and a page about it
(`webapp/api/docs.py`), with no CDN. Errors are documented as problem details (application/problem+json).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType

from webapp.api.problems import PROBLEM
from webapp.api.shapes import Problem

spec = SpecTree(
    "flask",
    title="Linli API",
    version="1",
    description="Tickets, appointments, notices, events, the local directory and figures of a community. "
    "Every call needs a key (Authorization: Bearer …) made by an administrator in the staff console.",
    mode="strict",
    naming_strategy=lambda model: model.__name__,  # readable schema names (one shapes module, no clashes)
    nested_naming_strategy=lambda _parent, child: child,
    annotations=True,
    validation_error_status=422,
    validation_error_model=Problem,
    security_schemes=[
        SecurityScheme(name="key", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))
    ],
    security={"key": []},
)

ERRORS = ("HTTP_401", "HTTP_403", "HTTP_404", "HTTP_422", "HTTP_429")


def answers(**ok: Any) -> Response:
    """A route's answers: its successes and every error it may give, each in its declared shape."""
    return Response(**ok, **dict.fromkeys(ERRORS, Problem))


def bind(app: Flask) -> None:
    spec.app = app


def document() -> dict[str, Any]:
    """The document, errors declared as problem+json (what the API sends), not plain JSON."""
    doc: dict[str, Any] = spec.spec
    if not doc.get("_linli"):
        for path in doc.get("paths", {}).values():
            for operation in path.values():
                for code, answer in operation.get("responses", {}).items():
                    if (
                        code.isdigit()
                        and int(code) >= 400
                        and "application/json" in answer.get("content", {})
                    ):
                        answer["content"] = {PROBLEM: answer["content"]["application/json"]}
        doc["_linli"] = True
    return {k: v for k, v in doc.items() if k != "_linli"}


def problem_for_bad_input(
    _req: Any, resp: Any, error: Exception | None, _instance: Any, _adapter: Any
) -> None:
    """SpecTree's 422 for input that does not fit the shape, rewritten as problem details."""
    if error is None or resp is None:
        return
    import json

    from flask_babel import gettext as _

    fields = {}
    for item in getattr(error, "errors", lambda: [])():
        where = ".".join(str(p) for p in item.get("loc", ())) or "_"
        fields[where] = str(item.get("type", "invalid"))
    body = {
        "type": "about:blank",
        "title": _("Some of the input is not right"),
        "status": 422,
        "detail": _("Please check the fields named in errors."),
        "errors": fields,
    }
    resp.set_data(json.dumps(body, ensure_ascii=False))
    resp.mimetype = PROBLEM


spec.before = problem_for_bad_input
