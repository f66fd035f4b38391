"""The OpenAPI 3.1 document of the JSON API, made by SpecTree from the routes and their pydantic shapes.

SpecTree validates each route's input and output with the same shapes it documents. It is bound to the app
by hand (not `register`), so that it adds no pages of its own: Linli serves the document and a page about it
(`webapp/api/docs.py`), with no CDN. Errors are documented as problem details (application/problem+json).
"""

from __future__ import annotations

import re
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


def answers(writes: bool = False, **ok: Any) -> Response:
    """A route's answers: its successes and every error it may give, each in its declared shape (a write
    may also meet a 409: the community is archived, its records readable and nothing more written)."""
    errors = (*ERRORS, "HTTP_409") if writes else ERRORS
    return Response(**ok, **dict.fromkeys(errors, Problem))


# What a client (and Schemathesis' stateful run) may do next with a ticket it just filed or changed: OpenAPI
# links from an operation's success to the operations on the same ticket, the number read from the answer.
NEXT = {
    "ticket_create": ("$response.body#/ticket/number", ("ticket_read", "ticket_status", "ticket_note")),
    "ticket_status": ("$response.body#/number", ("ticket_read", "ticket_note")),
    "ticket_note": ("$response.body#/number", ("ticket_read", "ticket_status")),
    "ticket_list": ("$response.body#/items/0/number", ("ticket_read",)),
}


def bind(app: Flask) -> None:
    spec.app = app


def document() -> dict[str, Any]:
    """The document, errors declared as problem+json (what the API sends), not plain JSON."""
    doc: dict[str, Any] = spec.spec
    if not doc.get("_linli"):
        _name_operations(doc)
        _summarise(doc)
        for path in doc.get("paths", {}).values():
            for operation in path.values():
                _link(operation)
                for code, answer in operation.get("responses", {}).items():
                    if (
                        code.isdigit()
                        and int(code) >= 400
                        and "application/json" in answer.get("content", {})
                    ):
                        answer["content"] = {PROBLEM: answer["content"]["application/json"]}
        doc["_linli"] = True
    return {k: v for k, v in doc.items() if k != "_linli"}


def _name_operations(doc: dict[str, Any]) -> None:
    """Each operation's id is its view's name (ticket_create), from the table of routes."""
    from webapp.api.routes import ROUTES

    paths = doc.get("paths", {})
    for route in ROUTES:
        path = "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.rule)
        operation = paths.get(path, {}).get(route.method.lower())
        if operation is not None:
            operation["operationId"] = route.view


def _summarise(doc: dict[str, Any]) -> None:
    """Each operation's summary and description are the docs page's words, in English. SpecTree takes them
    from the views' docstrings, but the web service runs under `python -OO` (linli-web.service), which drops
    every docstring to keep about 5 MiB out of each worker, and SpecTree then wrote "communities <GET>". The
    words and the docstrings say the same (tests/api/test_json_api.py holds the two together)."""
    from flask_babel import force_locale

    from webapp.api.docs import WORDS

    with force_locale("en"):
        for path, methods in doc.get("paths", {}).items():
            for method, operation in methods.items():
                summary, description = WORDS.get((method.upper(), path), (None, None))
                if summary is not None:
                    operation["summary"] = str(summary)
                if description is not None:
                    operation["description"] = str(description)


def _link(operation: dict[str, Any]) -> None:
    found = NEXT.get(operation.get("operationId", ""))
    if found is None:
        return
    number, targets = found
    success = next(code for code in sorted(operation["responses"]) if code.startswith("2"))
    operation["responses"][success]["links"] = {
        target: {
            "operationId": target,
            "parameters": {"slug": "$request.path.slug", "number": number},
            "description": "the same ticket",
        }
        for target in targets
    }


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
