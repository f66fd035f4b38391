"""Open311 GeoReport v2 at /open311/v2: discovery, services, a service's definition (from the wizard's
questions), requests (GET with the standard filters, POST with a key), one request, and tokens.

Both formats the standard names: `.json` and `.xml` (built with xml.etree). `jurisdiction_id` is the
community's slug (optional for a key of one community). Our states read as open/closed with the status in
`status_notes`; no name, phone or flat leaves, and `address` (the common area) only for a key with the
tickets:flats scope. The same core calls as the JSON API file a ticket (`v1_tickets.create_ticket`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Response, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.api.blueprint import open311
from webapp.api.keys import audited, authenticate, caller, community
from webapp.api.problems import fail
from webapp.domain.desk.catalog import questions_for
from webapp.domain.desk.public import open311_request, open311_service, ticket_for_follow_token
from webapp.domain.identity.api_keys import Scope
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.models import Community, ServiceType, Status, Ticket

if TYPE_CHECKING:
    from xml.etree import ElementTree as ET

F = TypeVar("F", bound=Callable[..., Any])
FORMAT = "<any(json, xml):fmt>"
LOCALES = ("zh_Hans", "zh_Hant", "en")
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90
EARLIEST = datetime.min.replace(tzinfo=UTC)
DATATYPES = {
    "choice": "singlevaluelist",
    "yes_no": "singlevaluelist",
    "number": "number",
    "date": "datetime",
    "short_text": "string",
    "slot": "string",
}


def guard(scope: Scope) -> Callable[[F], F]:
    """The key, its scope and the jurisdiction (a community it reaches), as for the JSON API."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            slug = request.values.get("jurisdiction_id") or None
            if slug is None:
                slug = _only_jurisdiction()
            authenticate(scope, slug)
            return audited(view(*args, **kwargs))

        wrapper.linli_writes = True  # type: ignore[attr-defined]
        wrapper.api_scope = scope  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _only_jurisdiction() -> str:
    """A key of one community needs no jurisdiction_id; a region's key must say which community."""
    from webapp.api.keys import _secret
    from webapp.domain.identity import api_keys

    session = get_session()
    secret = _secret()
    key = api_keys.find(session, secret) if secret else None
    if key is None or not api_keys.is_usable(key):
        fail(401, _("A valid API key is needed"))
    ids = api_keys.community_ids(session, key)
    if len(ids) != 1:
        fail(400, _("jurisdiction_id is required"))
    slug = session.scalar(select(Community.slug).where(Community.id.in_(ids)))
    return slug or ""


def locale() -> str:
    asked = request.args.get("locale", "zh_Hans").replace("-", "_")
    return asked if asked in LOCALES else "zh_Hans"


# The standard's element for each item of a list, as its XML examples name them (discovery:
# <endpoints><endpoint> with <formats><format>; a definition: <attributes><attribute> with <values><value>).
ITEM_NAMES = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "keywords": "keyword",
}


def _add(parent: ET.Element, name: str, value: Any) -> None:
    from xml.etree import ElementTree as ET  # only an XML answer needs it: not every worker (issue 21)

    if isinstance(value, list):
        holder = ET.SubElement(parent, name)
        item_name = ITEM_NAMES.get(name, "item")
        for item in value:
            _add(holder, item_name, item)
        return
    node = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _add(node, key, inner)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def answer(fmt: str, root: str, item: str | None, data: Any, status: int = 200) -> ResponseReturnValue:
    """Open311's answer in the asked format: a JSON list (or object), or the same as XML elements."""
    if fmt == "xml":
        from xml.etree import ElementTree as ET

        top = ET.Element(root)
        if item is None:
            for key, value in data.items():
                _add(top, key, value)
        else:
            for entry in data:
                _add(top, item, entry)
        body = ET.tostring(top, encoding="utf-8", xml_declaration=True)
        return Response(body, status=status, mimetype="application/xml")
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json")


@open311.get(f"/discovery.{FORMAT}")
@guard(Scope.READ_CATALOG)
def discovery(fmt: str) -> ResponseReturnValue:
    """Where this Open311 service is and what it speaks."""
    base = url_for("open311.services", fmt="json", _external=True).rsplit("/", 1)[0] + "/"
    data = {
        "changeset": clock.now().date().isoformat(),
        "contact": _("The community office"),
        "key_service": _("API keys are made by an administrator in the staff console."),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": clock.now().date().isoformat(),
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return answer(fmt, "discovery", None, data)


@open311.get(f"/services.{FORMAT}")
@guard(Scope.READ_CATALOG)
def services(fmt: str) -> ResponseReturnValue:
    rows = get_session().scalars(
        select(ServiceType)
        .where(ServiceType.community_id == community().id, ServiceType.active.is_(True))
        .order_by(ServiceType.position, ServiceType.id)
    )
    data = [open311_service(s, locale()) | {"metadata": bool(questions_for(s, "api"))} for s in rows]
    return answer(fmt, "services", "service", data)


@open311.get(f"/services/<code>.{FORMAT}")
@guard(Scope.READ_CATALOG)
def service_definition(code: str, fmt: str) -> ResponseReturnValue:
    """A service's attributes: the questions the wizard asks, in the asked language."""
    service = get_session().scalar(
        select(ServiceType).where(ServiceType.community_id == community().id, ServiceType.code == code[:32])
    )
    if service is None:
        fail(404, _("No service has this code here."))
    loc = locale()
    attributes = []
    for order, question in enumerate(questions_for(service, "api"), start=1):
        kind = question.get("type", "")
        attribute: dict[str, Any] = {
            "variable": True,
            "code": question["id"],
            "datatype": DATATYPES.get(kind, "string"),
            "required": bool(question.get("required")),
            "datatype_description": _("an appointment slot id (see /api/v1 slots)") if kind == "slot" else "",
            "order": order,
            "description": (question.get("label") or {}).get(loc)
            or (question.get("label") or {}).get("zh_Hans", ""),
        }
        if kind == "choice":
            attribute["values"] = [
                {"key": o["value"], "name": (o.get("label") or {}).get(loc) or o["value"]}
                for o in question.get("options", [])
            ]
        elif kind == "yes_no":
            attribute["values"] = [{"key": "yes", "name": _("Yes")}, {"key": "no", "name": _("No")}]
        attributes.append(attribute)
    return answer(fmt, "service_definition", None, {"service_code": service.code, "attributes": attributes})


def request_out(ticket: Ticket) -> dict[str, Any]:
    data = open311_request(ticket)
    if caller().may(Scope.READ_FLATS):
        data["address"] = ticket.place
    return data


def _when(name: str) -> datetime | None:
    text = request.args.get(name)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(400, _("%(name)s is not a date and time (W3C format).", name=name))
    if moment.tzinfo is None:
        fail(400, _("%(name)s needs a time zone.", name=name))
    try:
        moment.astimezone(UTC)  # 0001-01-01T00:00:00+14:00 is in the year 0: nothing can compare with it
    except OverflowError:
        fail(400, _("%(name)s is too far in the past or the future.", name=name))
    return moment


@open311.get(f"/requests.{FORMAT}")
@guard(Scope.READ_TICKETS)
def request_list(fmt: str) -> ResponseReturnValue:
    """Requests by id, service, time of submission (default: the last 90 days) and open/closed."""
    stmt = (
        select(Ticket)
        .options(joinedload(Ticket.service_type), joinedload(Ticket.events))
        .where(Ticket.community_id == community().id)
    )
    ids = [i.strip() for i in request.args.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        stmt = stmt.where(Ticket.number.in_([i[:16] for i in ids[:MAX_REQUESTS]]))
    else:
        start, end = _when("start_date"), _when("end_date")
        end = end or clock.now()
        if start is None:  # the standard's default window: 90 days before the end (never before the year 1)
            start = max(end, EARLIEST + timedelta(days=DEFAULT_DAYS)) - timedelta(days=DEFAULT_DAYS)
        stmt = stmt.where(Ticket.submitted_at >= start, Ticket.submitted_at <= end)
        codes = [c.strip() for c in request.args.get("service_code", "").split(",") if c.strip()]
        if codes:
            stmt = stmt.join(ServiceType, Ticket.service_type_id == ServiceType.id).where(
                ServiceType.code.in_(codes)
            )
        wanted = {s.strip() for s in request.args.get("status", "").split(",") if s.strip()}
        if wanted - {"open", "closed"}:
            fail(400, _("status is open or closed."))
        open_states = [Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS]
        if wanted == {"open"}:
            stmt = stmt.where(Ticket.status.in_(open_states))
        elif wanted == {"closed"}:
            stmt = stmt.where(Ticket.status.not_in(open_states))
    rows = get_session().scalars(
        stmt.order_by(Ticket.submitted_at.desc(), Ticket.id.desc()).limit(MAX_REQUESTS)
    )
    return answer(fmt, "service_requests", "request", [request_out(t) for t in rows.unique()])


@open311.post(f"/requests.{FORMAT}")
@guard(Scope.WRITE_TICKETS)
def request_create(fmt: str) -> ResponseReturnValue:
    """File a request about a common area: service_code, a location (address_string, or lat and long),
    description, attribute[code]. The standard's personal fields (email, names, phone, device and account
    ids) and media_url are not kept: a request filed by another system is nobody's own ticket."""
    code = request.form.get("service_code", "").strip()
    if not code:
        fail(400, _("service_code is required."))
    known = select(ServiceType.id).where(
        ServiceType.community_id == community().id, ServiceType.code == code[:32]
    )
    if get_session().scalar(known) is None:  # the standard's 404 for a service_code not found
        fail(404, _("No service has this code here."))
    place = _location()
    given = {
        k[len("attribute[") : -1]: v
        for k, v in request.form.items()
        if k.startswith("attribute[") and k.endswith("]")
    }
    description = request.form.get("description", "").strip() or None
    from webapp.api.v1_tickets import create_ticket  # the JSON API's views: pydantic, imported on first use

    created = create_ticket(code, place[:120], given, description)
    data = [
        {"service_request_id": created.request.number, "token": created.follow_token, "service_notice": ""}
    ]
    return answer(fmt, "service_requests", "request", data, status=201)


def _location() -> str:
    """Where the request is, as the ticket's place: address_string (the common area, as the office names it),
    else the standard's lat and long, kept as "lat,long" in decimal degrees (the office reads them on a map).

    GeoReport v2 asks for one of address_string, lat & long, or address_id; we have no address ids."""
    place = request.form.get("address_string", "").strip()
    if place:
        return place[:120]
    lat, long = request.form.get("lat", "").strip(), request.form.get("long", "").strip()
    if not lat and not long:
        fail(400, _("A location is required: address_string (the common area), or lat and long."))
    try:
        latitude, longitude = float(lat), float(long)
    except ValueError:
        latitude = longitude = math.nan
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # nan and inf compare false
        fail(400, _("lat and long are decimal degrees (WGS84), like lat=31.2304 and long=121.4737."))
    # At most 7 decimals (about a centimetre): never a run of digits that reads as a phone number.
    return f"{_degrees(latitude)},{_degrees(longitude)}"


def _degrees(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".")


@open311.get(f"/requests/<number>.{FORMAT}")
@guard(Scope.READ_TICKETS)
def request_read(number: str, fmt: str) -> ResponseReturnValue:
    ticket = get_session().scalar(
        select(Ticket).where(Ticket.number == number[:16], Ticket.community_id == community().id)
    )
    if ticket is None:
        fail(404, _("No request has this id here."))
    return answer(fmt, "service_requests", "request", [request_out(ticket)])


@open311.get(f"/tokens/<token>.{FORMAT}")
@guard(Scope.READ_TICKETS)
def token_read(token: str, fmt: str) -> ResponseReturnValue:
    """The request id behind a token given when it was filed."""
    ticket = ticket_for_follow_token(get_session(), token[:64])
    if ticket is None or ticket.community_id != community().id:
        fail(404, _("No request has this token here."))
    return answer(fmt, "service_requests", "request", [{"service_request_id": ticket.number, "token": token}])
