"""Editing the service catalog in the console: service types, their questions, and bookable slots.

Questions are edited as a small JSON list (see domain.desk.catalog) so that a community can add a service
without a developer; the core checks the list before anything is saved and a bad list keeps what was typed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.auth.policy import Permission, deny, require
from webapp.domain.desk.catalog import CHANNELS, LOCALES, URGENT_DEADLINE_HOURS, check_service, save_service
from webapp.domain.desk.providers import providers_in
from webapp.domain.privacy.audit import record
from webapp.infra import clock
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.models import Booking, Category, Community, Eligibility, Handler, ServiceType, Slot
from webapp.shared.context import current_actor
from webapp.shared.labels import ELIGIBILITY_LABELS, HANDLER_LABELS
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids


def service_or_404(service_id: int) -> ServiceType:
    service = get_session().get(ServiceType, service_id)
    if service is None or service.community_id not in allowed_ids(Permission.EDIT_CATALOG):
        deny(subject_type="service_type", subject_id=service_id)
        abort(404)
    return service


@bp.get("/catalog")
@require(Permission.EDIT_CATALOG)
def catalog() -> ResponseReturnValue:
    ids = allowed_ids(Permission.EDIT_CATALOG)
    db = get_session()
    services = db.scalars(
        select(ServiceType)
        .where(ServiceType.community_id.in_(ids))
        .order_by(ServiceType.community_id, ServiceType.position, ServiceType.id)
    ).all()
    communities = {c.id: c for c in db.scalars(select(Community).where(Community.id.in_(ids)))}
    return render_template("staff/catalog.html", services=services, communities=communities)


def values_from(form: Any) -> dict[str, Any]:
    raw_questions = form.get("questions") or "[]"
    try:
        questions = json.loads(raw_questions)
    except ValueError:
        questions = None
    hours = small_int(form.get("deadline_hours"))
    return {
        "code": (form.get("code") or "").strip().lower(),
        "names": {k: form.get(f"name_{k}") or "" for k in LOCALES},
        "help": {k: form.get(f"help_{k}") or "" for k in LOCALES},
        "bring": {k: form.get(f"bring_{k}") or "" for k in LOCALES},
        "category": form.get("category"),
        "handler": form.get("handler"),
        "provider_name": form.get("provider_name") or "",
        "eligibility": form.get("eligibility"),
        "deadline_hours": hours,
        # Left empty: the usual 4 hours (a wrong number is refused, not replaced).
        "urgent_deadline_hours": small_int(form.get("urgent_deadline_hours"))
        if (form.get("urgent_deadline_hours") or "").strip()
        else URGENT_DEADLINE_HOURS,
        "channels": [c for c in CHANNELS if form.get(f"channel_{c}")],
        "questions": questions,
        "active": form.get("active") == "1",
        "icon": form.get("icon") or "list",
    }


def values_of(service: ServiceType) -> dict[str, Any]:
    return {
        "code": service.code,
        "names": dict(service.names),
        "help": dict(service.help or {}),
        "bring": dict(service.bring or {}),
        "category": service.category.value,
        "handler": service.handler.value,
        "provider_name": service.provider_name or "",
        "eligibility": service.eligibility.value,
        "deadline_hours": service.deadline_hours,
        "urgent_deadline_hours": service.urgent_deadline_hours,
        "channels": list(service.channels or []),
        "questions": service.questions,
        "active": service.active,
        "icon": service.icon,
    }


def render_form(service: ServiceType | None, values: dict[str, Any], errors: dict[str, str], raw: str):
    return render_template(
        "staff/service_form.html",
        service=service,
        v=values,
        errors=errors,
        questions_text=raw,
        categories=list(Category),
        handlers=[(h.value, HANDLER_LABELS[h]) for h in Handler],
        eligibilities=[(e.value, ELIGIBILITY_LABELS[e]) for e in Eligibility],
        channels=CHANNELS,
        locales=LOCALES,
    ), (400 if errors else 200)


@bp.route("/catalog/new", methods=["GET", "POST"])
@bp.route("/catalog/<int:service_id>", methods=["GET", "POST"])
@require(Permission.EDIT_CATALOG)
def service_edit(service_id: int | None = None) -> ResponseReturnValue:
    service = service_or_404(service_id) if service_id is not None else None
    ids = allowed_ids(Permission.EDIT_CATALOG)
    community_id = service.community_id if service else min(ids)
    if request.method == "GET":
        values = (
            values_of(service)
            if service
            else {
                "channels": list(CHANNELS),
                "active": True,
                "names": {},
                "urgent_deadline_hours": URGENT_DEADLINE_HOURS,
            }
        )
        text = json.dumps(values.get("questions") or [], ensure_ascii=False, indent=2)
        return render_form(service, values, {}, text)
    values = values_from(request.form)
    db = get_session()
    taken = set(db.scalars(select(ServiceType.code).where(ServiceType.community_id == community_id))) - (
        {service.code} if service else set()
    )
    providers = {p.name for p in providers_in(db, {community_id})}
    errors = check_service(values, taken, providers)
    if errors:
        return render_form(service, values, errors, (request.form.get("questions") or "")[:20000])
    saved = save_service(db, service, community_id, values)
    record(db, current_actor(), "catalog.save", "service_type", saved.id, community_id, code=saved.code)
    flash(_("Saved."), "info")
    return redirect(url_for("staff.service_edit", service_id=saved.id), code=303)


@bp.route("/catalog/<int:service_id>/slots", methods=["GET", "POST"])
@require(Permission.EDIT_CATALOG)
def service_slots(service_id: int) -> ResponseReturnValue:
    """Add bookable times (one day, or the same time on several days) and see how full they are."""
    service = service_or_404(service_id)
    db = get_session()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        try:
            day = datetime.strptime(form.get("day", ""), "%Y-%m-%d").date()
            at = datetime.strptime(form.get("time", ""), "%H:%M").time()
        except ValueError:
            errors["day"] = "bad_date"
        capacity = small_int(form.get("capacity"))
        minutes = small_int(form.get("minutes")) or 30
        days = min(small_int(form.get("days")) or 1, 60)
        place = (form.get("place") or "").strip()[:120]
        if capacity is None or not 1 <= capacity <= 500:
            errors["capacity"] = "bad_number"
        if not place:
            errors["place"] = "required"
        if not errors:
            zone = ZoneInfo(service.community.timezone)
            first = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
            if first <= clock.now():
                errors["day"] = "past"
            else:
                for n in range(days):
                    db.add(
                        Slot(
                            service_type_id=service.id,
                            starts_at=first + timedelta(days=n),
                            minutes=minutes,
                            place=place,
                            capacity=capacity,
                            booked=0,
                        )
                    )
                record(db, current_actor(), "catalog.slots", "service_type", service.id, service.community_id)
                flash(_("%(count)s times added.", count=days), "info")
                return redirect(url_for("staff.service_slots", service_id=service.id), code=303)
    slots = db.scalars(
        select(Slot)
        .where(Slot.service_type_id == service.id, Slot.starts_at > clock.now() - timedelta(days=1))
        .order_by(Slot.starts_at)
        .limit(200)
    ).all()
    return render_template(
        "staff/slots.html", service=service, slots=slots, errors=errors, form=request.form
    ), (400 if errors else 200)


@bp.post("/catalog/<int:service_id>/slots/<int:slot_id>/delete")
@require(Permission.EDIT_CATALOG)
def slot_delete(service_id: int, slot_id: int) -> ResponseReturnValue:
    service = service_or_404(service_id)
    db = get_session()
    slot = db.get(Slot, slot_id)
    if slot is None or slot.service_type_id != service.id:
        abort(404)
    if db.scalar(select(Booking.id).where(Booking.slot_id == slot.id).limit(1)) is not None:
        flash(_("People have booked this time; it cannot be removed. Cancel their tickets first."), "error")
    else:
        db.delete(slot)
        flash(_("Removed."), "info")
    return redirect(url_for("staff.service_slots", service_id=service.id), code=303)
