"""The time bank in the console: approve volunteers' hours, open accounts, record hours and payments at the
desk, monthly statements, and the welcome credit a new volunteer starts with.

Names and balances are personal data: the overview and each statement are audited views. Every movement is
made by webapp.domain.life.timebank, which keeps the ledger balanced and refuses to overdraw an account.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from webapp.auth.policy import Permission, deny, require
from webapp.domain.life import timebank, volunteering
from webapp.domain.privacy.audit import record
from webapp.domain.register.community import local_now
from webapp.domain.register.residents import ResidentSearch, search
from webapp.infra.db import get_session, writes
from webapp.infra.numbers import MAX_ID, small_int
from webapp.infra.unit_of_work import refuse
from webapp.models import Community, HourClaim, LocalService, Resident, TimeAccount, TimeAccountKind
from webapp.shared.context import current_actor
from webapp.shared.life import month_from
from webapp.shared.messages import life_error
from webapp.staff.blueprint import bp
from webapp.staff.scope import allowed_ids


def _ids() -> frozenset[int]:
    return allowed_ids(Permission.TIME_BANK)


def account_or_404(account_id: int) -> TimeAccount:
    account = get_session().get(TimeAccount, account_id) if account_id <= MAX_ID else None
    if account is None or account.community_id not in _ids() or account.kind != TimeAccountKind.PERSON:
        deny(subject_type="time_account", subject_id=account_id if account_id <= MAX_ID else None)
        abort(404)
    return account


def holder_or_404(account: TimeAccount) -> Resident:
    """Whose hours these are: an account whose resident row is gone (SET NULL) has no one to credit."""
    if account.resident is None:
        abort(404)
    return account.resident


def resident_or_404(resident_id: int | None) -> Resident:
    resident = get_session().get(Resident, resident_id or 0)
    if resident is None or resident.community_id not in _ids() or resident.erased_at is not None:
        deny(subject_type="resident", subject_id=resident_id, permission=Permission.TIME_BANK.value)
        abort(404)
    return resident


@bp.get("/timebank")
@writes
@require(Permission.TIME_BANK)
def timebank_home() -> ResponseReturnValue:
    db = get_session()
    ids = _ids()
    accounts = db.scalars(
        select(TimeAccount)
        .join(Resident, Resident.id == TimeAccount.resident_id)
        .options(contains_eager(TimeAccount.resident).selectinload(Resident.household))
        .where(TimeAccount.community_id.in_(ids), TimeAccount.kind == TimeAccountKind.PERSON)
        .order_by(Resident.name, TimeAccount.id)
        .limit(500)
    ).all()
    query = (request.args.get("q") or "").strip()[:64]
    found = search(db, ResidentSearch(community_ids=ids, text=query), limit=20) if query else []
    have = {a.resident_id for a in accounts}
    record(db, current_actor(), "time_bank.list_view", None, None, min(ids), shown=len(accounts))
    return render_template(
        "staff/timebank.html",
        accounts=accounts,
        balances=timebank.balances(db, [a.id for a in accounts]),
        claims=volunteering.pending_claims(db, ids),
        welcome={c: timebank.welcome_half_hours(db, c) for c in sorted(ids)},
        communities={c.id: c for c in db.scalars(select(Community).where(Community.id.in_(ids)))},
        query=query,
        found=[r for r in found if r.id not in have],
    )


@bp.post("/timebank/welcome")
@require(Permission.TIME_BANK)
def timebank_welcome() -> ResponseReturnValue:
    community_id = small_int(request.form.get("community"))
    if community_id not in _ids():
        deny(subject_type="community", subject_id=community_id, permission=Permission.TIME_BANK.value)
        abort(404)
    db = get_session()
    try:
        text = (request.form.get("hours") or "").strip()
        half_hours = 0 if text in ("0", "0.0") else timebank.parse_hours(text)  # no welcome credit at all
        timebank.set_welcome(db, current_actor(), community_id, half_hours)
    except timebank.TimeBankError as exc:
        refuse()
        flash(life_error(exc.reason), "error")
        return redirect(url_for("staff.timebank_home"), code=303)
    flash(_("Saved."), "info")
    return redirect(url_for("staff.timebank_home"), code=303)


@bp.post("/timebank/open")
@require(Permission.TIME_BANK)
def timebank_open() -> ResponseReturnValue:
    resident = resident_or_404(small_int(request.form.get("resident")))
    db = get_session()
    account = timebank.open_account(db, current_actor(), resident)
    flash(_("%(name)s is now a time-bank volunteer.", name=resident.name), "info")
    return redirect(url_for("staff.timebank_account", account_id=account.id), code=303)


@bp.post("/timebank/claims/<int:claim_id>")
@require(Permission.TIME_BANK)
def timebank_decide(claim_id: int) -> ResponseReturnValue:
    """Approve or refuse claimed hours (the button pressed says which; anything else refuses nothing)."""
    decision = request.form.get("decision")
    db = get_session()
    entry = db.get(HourClaim, claim_id) if claim_id <= MAX_ID else None
    if entry is None or entry.community_id not in _ids():
        deny(subject_type="hour_claim", subject_id=claim_id if claim_id <= MAX_ID else None)
        abort(404)
    try:
        if decision == "approve":
            volunteering.approve(db, current_actor(), entry)
        elif decision == "reject":
            volunteering.reject(db, current_actor(), entry)
        else:
            raise timebank.TimeBankError("bad_choice")
    except timebank.TimeBankError as exc:
        refuse()
        flash(life_error(exc.reason), "error")
        return redirect(url_for("staff.timebank_home"), code=303)
    flash(_("Approved.") if decision == "approve" else _("Not approved."), "info")
    return redirect(url_for("staff.timebank_home"), code=303)


def render_account(account: TimeAccount, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    db = get_session()
    community = db.get(Community, account.community_id)
    assert community is not None  # noqa: S101 (an account belongs to a community)
    today = local_now(community).date()
    month = month_from(request.args.get("month"), today)
    services = db.scalars(
        select(LocalService).where(
            LocalService.community_id == account.community_id,
            LocalService.accepts_hours.is_(True),
            LocalService.active.is_(True),
        )
    ).all()
    return render_template(
        "staff/timebank_account.html",
        account=account,
        resident=account.resident,
        statement=timebank.statement(db, account, month),
        balance=timebank.balance(db, account.id),
        services=services,
        kinds=volunteering.EARN_KINDS,
        today=today,
        errors=errors,
        form=request.form,
    ), status


@bp.get("/timebank/accounts/<int:account_id>")
@writes
@require(Permission.TIME_BANK)
def timebank_account(account_id: int) -> ResponseReturnValue:
    account = account_or_404(account_id)
    db = get_session()
    record(
        db, current_actor(), "time_bank.statement_view", "resident", account.resident_id, account.community_id
    )
    return render_account(account, {})


@bp.post("/timebank/accounts/<int:account_id>/hours")
@require(Permission.TIME_BANK)
def timebank_record_hours(account_id: int) -> ResponseReturnValue:
    """Hours recorded by staff are approved by them at once (the volunteer is in front of them)."""
    account = account_or_404(account_id)
    db = get_session()
    try:
        half_hours = timebank.parse_hours(request.form.get("hours"))
        day = date.fromisoformat((request.form.get("day") or "")[:10])
        note = (request.form.get("note") or "").strip()[:500]
        kind = request.form.get("kind") or ""
        entry = volunteering.claim(db, current_actor(), holder_or_404(account), kind, half_hours, day, note)
        volunteering.approve(db, current_actor(), entry)
    except ValueError:
        return render_account(account_or_404(account_id), {"day": "bad_date"}, 400)
    except timebank.TimeBankError as exc:
        field = {"bad_hours": "hours", "bad_day": "day"}.get(exc.reason, "kind")
        return render_account(account_or_404(account_id), {field: exc.reason}, 400)
    flash(_("Hours added."), "info")
    return redirect(url_for("staff.timebank_account", account_id=account.id), code=303)


@bp.post("/timebank/accounts/<int:account_id>/spend")
@require(Permission.TIME_BANK)
def timebank_record_spend(account_id: int) -> ResponseReturnValue:
    account = account_or_404(account_id)
    db = get_session()
    service = db.get(LocalService, small_int(request.form.get("service")) or 0)
    try:
        if service is None:
            raise timebank.TimeBankError("not_accepted")
        half_hours = timebank.parse_hours(request.form.get("spend_hours"))
        timebank.spend(db, current_actor(), holder_or_404(account), service, half_hours)
    except timebank.TimeBankError as exc:
        field = "spend_hours" if exc.reason in ("bad_hours", "overdrawn") else "service"
        return render_account(account_or_404(account_id), {field: exc.reason}, 400)
    flash(_("Payment recorded."), "info")
    return redirect(url_for("staff.timebank_account", account_id=account.id), code=303)


@bp.post("/residents/<int:resident_id>/volunteer-account")
@require(Permission.TIME_BANK)
def volunteer_account(resident_id: int) -> ResponseReturnValue:
    """Say which console account is this resident's own, so the classes they lead earn them hours."""
    resident = resident_or_404(resident_id)
    back = redirect(url_for("staff.resident_detail", resident_id=resident.id) + "#volunteer", code=303)
    db = get_session()
    user_id = small_int(request.form.get("user"))
    user = next((u for u in volunteering.volunteers_for(db, resident) if u.id == user_id), None)
    try:
        if user_id is not None and user is None:
            raise timebank.TimeBankError("not_volunteer")
        volunteering.link_volunteer(db, current_actor(), resident, user)
    except timebank.TimeBankError as exc:
        refuse()
        flash(life_error(exc.reason), "error")
        return back
    flash(_("Saved."), "info")
    return back
