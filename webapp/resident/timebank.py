"""My time bank on the phone: my hours and this month's statement; tell the office about hours I gave; use
hours at a place that takes them, or give them to someone in my flat.

Moving hours away (use, give) needs a fresh PIN or passkey check, as My data does: a phone left signed in
on a table should not be able to empty an account. The ledger rules are webapp.domain.life.timebank's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.auth.principals import the_resident
from webapp.domain.life import timebank, volunteering
from webapp.domain.register.community import local_now
from webapp.infra.db import get_session
from webapp.infra.i18n import current_locale
from webapp.infra.numbers import small_int
from webapp.models import LocalService, Resident
from webapp.resident.account import resident_required, verified_required
from webapp.resident.blueprint import bp
from webapp.shared.context import current_actor
from webapp.shared.life import month_from


def places_taking_hours(community_id: int) -> list[LocalService]:
    return list(
        get_session().scalars(
            select(LocalService)
            .where(
                LocalService.community_id == community_id,
                LocalService.accepts_hours.is_(True),
                LocalService.active.is_(True),
            )
            .order_by(LocalService.position, LocalService.id)
        )
    )


def render_page(
    resident: Resident, errors: dict[str, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    db = get_session()
    today = local_now(resident.community).date()
    account = timebank.account_of(db, resident.id)
    form: Any = request.form if request.method == "POST" else {}
    return render_template(
        "resident/timebank.html",
        account=account,
        balance=timebank.balance(db, account.id) if account else 0,
        statement=timebank.statement(db, account, month_from(request.args.get("month"), today))
        if account
        else None,
        family=timebank.family_of(db, resident),
        places=places_taking_hours(resident.community_id),
        kinds=volunteering.EARN_KINDS,
        today=today,
        errors=errors or {},
        form=form,
    ), status


@bp.get("/me/timebank")
@resident_required
def my_timebank() -> ResponseReturnValue:
    return render_page(the_resident())


def _done(message: str) -> ResponseReturnValue:
    flash(message, "info")
    return redirect(url_for("resident.my_timebank"), code=303)


def _refused(field: str, exc: timebank.TimeBankError) -> ResponseReturnValue:
    return render_page(the_resident(), {field: exc.reason}, 400)


@bp.post("/me/timebank/claim")
@resident_required
def my_timebank_claim() -> ResponseReturnValue:
    """ "I helped": hours wait for the office to approve them."""
    resident = the_resident()
    try:
        half_hours = timebank.parse_hours(request.form.get("claim_hours"))
        try:
            day = date.fromisoformat((request.form.get("day") or "")[:10])
        except ValueError:
            day = local_now(resident.community).date()
        note = (request.form.get("note") or "").strip()[:500]
        volunteering.claim(
            get_session(), current_actor(), resident, request.form.get("kind") or "", half_hours, day, note
        )
    except timebank.TimeBankError as exc:
        field = {"bad_hours": "claim_hours", "bad_day": "day"}.get(exc.reason, "kind")
        return _refused(field, exc)
    return _done(_("Thank you. The community office will check and add your hours."))


@bp.post("/me/timebank/use")
@resident_required
@verified_required
def my_timebank_use() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    place = db.get(LocalService, small_int(request.form.get("place")) or 0)
    try:
        if place is None:
            raise timebank.TimeBankError("not_accepted")
        half_hours = timebank.parse_hours(request.form.get("use_hours"))
        timebank.spend(db, current_actor(), resident, place, half_hours)
    except timebank.TimeBankError as exc:
        return _refused("place" if exc.reason == "not_accepted" else "use_hours", exc)
    return _done(
        _(
            "Done: %(hours)s hours used at %(place)s.",
            hours=timebank.hours_text(half_hours),
            place=place.name(current_locale()),
        )
    )


@bp.post("/me/timebank/give")
@resident_required
@verified_required
def my_timebank_give() -> ResponseReturnValue:
    resident = the_resident()
    db = get_session()
    receiver = db.get(Resident, small_int(request.form.get("to")) or 0)
    try:
        if receiver is None:
            raise timebank.TimeBankError("not_family")
        half_hours = timebank.parse_hours(request.form.get("give_hours"))
        timebank.give(db, current_actor(), resident, receiver, half_hours)
    except timebank.TimeBankError as exc:
        return _refused("to" if exc.reason == "not_family" else "give_hours", exc)
    return _done(
        _(
            "Done: %(hours)s hours given to %(name)s.",
            hours=timebank.hours_text(half_hours),
            name=receiver.name,
        )
    )
