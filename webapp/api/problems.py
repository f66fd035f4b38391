"""Errors in the API's own shapes: RFC 9457 problem details under /api, Open311's list of {code,
description} under /open311 (in the format the address asks for). Never an HTML page, never a trace."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from flask import Response, abort, request

PROBLEM = "application/problem+json"


def problem(
    status: int, title: str, detail: str | None = None, errors: dict[str, str] | None = None
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="linli"'
    return response


def open311_error(status: int, description: str) -> Response:
    """Open311's error answer: a list of {code, description}, as XML when the address ends in .xml."""
    if request.path.endswith(".xml"):
        from xml.etree import ElementTree as ET  # only an XML answer needs it: not every worker (issue 21)

        root = ET.Element("errors")
        error = ET.SubElement(root, "error")
        ET.SubElement(error, "code").text = str(status)
        ET.SubElement(error, "description").text = description
        body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return Response(body, status=status, mimetype="application/xml")
    payload = json.dumps([{"code": status, "description": description}], ensure_ascii=False)
    return Response(payload, status=status, mimetype="application/json")


OPEN311_STATUS = {422: 400, 401: 403}  # the JSON API's answer -> GeoReport v2's


def fail(
    status: int, title: str, detail: str | None = None, errors: dict[str, str] | None = None
) -> NoReturn:
    """Stop the request with an error in the shape of its face (the unit of work rolls it back).

    GeoReport v2 knows bad input as 400 ("required input in attribute was not provided"): what the JSON API
    answers 422 (an answer the service's questions refuse) is a 400 there, with the same words. And it names
    one answer for a key it does not accept, "403 - Invalid api_key", where the JSON API says 401."""
    if request.path.startswith("/open311"):
        abort(open311_error(OPEN311_STATUS.get(status, status), detail or title))
    abort(problem(status, title, detail, errors))


def face_error(status: int, title: str, message: str) -> Response:
    """What infra.errors answers for an address under /api or /open311 (404, 405, 500...)."""
    if request.path.startswith("/open311"):
        return open311_error(status, title)
    response = problem(status, title, message)
    if status == 405:
        response.headers["Allow"] = ", ".join(sorted(_allowed()))
    return response


def _allowed() -> set[str]:
    from flask import current_app

    adapter = current_app.url_map.bind("")
    try:
        adapter.match(request.path, method="__none__")
    except Exception as exc:  # noqa: BLE001 (werkzeug's MethodNotAllowed carries the allowed methods)
        return set(getattr(exc, "valid_methods", None) or [])
    return set()
