"""The resident register in the console: search, view (audited), add, edit, reveal numbers, move out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from webapp.auth.policy import Permission, can, require
from webapp.config import LOCALES
from webapp.domain.family.links import active_links, recently_ended
from webapp.domain.identity.passwords import verify_password
from webapp.domain.life import volunteering
from webapp.domain.privacy.audit import record
from webapp.domain.register import residents as register
from webapp.domain.register.residents import ResidentInput, ResidentInputError, ResidentSearch
from webapp.domain.training.certificates import certificates_of
from webapp.infra.db import get_session, writes
from webapp.infra.numbers import small_int
from webapp.infra.unit_of_work import keep
from webapp.models import Building, ConsentKind, Household, Resident
from webapp.shared.context import current_actor, vault
from webapp.shared.messages import field_error
from webapp.shared.options import options
from webapp.staff.blueprint import bp
from webapp.staff.forms import ResidentForm, RevealForm, SearchForm
from webapp.staff.scope import allowed_ids, resident_or_404

CONSENT_FIELDS = {
    "consent_age": ConsentKind.AGE,
    "consent_lives_alone": ConsentKind.LIVES_ALONE,
    "consent_disability": ConsentKind.DISABILITY,
}


def household_choices(community_ids: frozenset[int]) -> list[SelectChoice]:
    rows = get_session().execute(
        select(Household.id, Household.label)
        .join(Building)
        .where(Building.community_id.in_(community_ids))
        .order_by(Household.label)
    )
    return options([("", _("Common area or not known"))] + [(str(i), label) for i, label in rows])


def building_choices(community_ids: frozenset[int]) -> list[SelectChoice]:
    rows = get_session().scalars(
        select(Building).where(Building.community_id.in_(community_ids)).order_by(Building.number)
    )
    return options([("", _("All buildings"))] + [(str(b.id), b.name("zh_Hans")) for b in rows])


@bp.get("/residents")
@require(Permission.VIEW_RESIDENTS)
def residents() -> ResponseReturnValue:
    ids = allowed_ids(Permission.VIEW_RESIDENTS)
    form = SearchForm(request.args)
    form.building.choices = building_choices(ids)
    building = form.building.data
    query = ResidentSearch(
        community_ids=ids,
        text=(form.q.data or "")[:64],
        building_id=small_int(building),
    )
    found = register.search(get_session(), query)
    return render_template("staff/residents.html", form=form, residents=found, searched=bool(query.text))


def _input_from(form: ResidentForm) -> ResidentInput:
    household = form.household_id.data
    return ResidentInput(
        name=form.name.data or "",
        household_id=small_int(household),
        birth_date=form.birth_date.data,
        id_number=(form.id_number.data or "").strip() or None,
        phone=(form.phone.data or "").strip() or None,
        lives_alone=bool(form.lives_alone.data),
        has_disability=bool(form.has_disability.data),
        preferred_locale=form.preferred_locale.data if form.preferred_locale.data in LOCALES else None,
        consents={kind for name, kind in CONSENT_FIELDS.items() if getattr(form, name).data},
        guardian_name=form.guardian_name.data,
    )


def _show_errors(form: ResidentForm, errors: dict[str, str]) -> None:
    for name, code in errors.items():
        getattr(form, name).errors = [field_error(code)]


@bp.route("/residents/new", methods=["GET", "POST"])
@require(Permission.EDIT_RESIDENTS)
def resident_new() -> ResponseReturnValue:
    ids = allowed_ids(Permission.EDIT_RESIDENTS)
    form = ResidentForm()
    form.household_id.choices = household_choices(ids)

    def create() -> Resident:
        community_id = _community_for(form, ids)
        return register.create_resident(
            get_session(), vault(), current_actor(), community_id, _input_from(form)
        )

    return _save(form, None, create)


def _save(
    form: ResidentForm, resident: Resident | None, operation: Callable[[], Resident]
) -> ResponseReturnValue:
    """Run a create or update; on a domain error show each message beside its field and keep the values."""
    status = 200
    if form.validate_on_submit():
        db = get_session()
        try:
            with db.begin_nested():  # after an IntegrityError the session still reads the page below
                saved = operation()
        except ResidentInputError as exc:
            _show_errors(form, exc.errors)
            status = 400
        except IntegrityError:  # the same ID number saved by someone else a moment ago
            _show_errors(form, {"id_number": "id_taken"})
            status = 400
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("staff.resident_detail", resident_id=saved.id), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("staff/resident_form.html", form=form, resident=resident), status


def _community_for(form: ResidentForm, ids: frozenset[int]) -> int:
    """The community of the chosen flat, else the user's first community."""
    household = small_int(form.household_id.data)
    if household is not None:
        found = get_session().scalar(
            select(Building.community_id).join(Household).where(Household.id == household)
        )
        if found in ids:
            return found
    return min(ids)


@bp.get("/residents/<int:resident_id>")
@writes
@require(Permission.VIEW_RESIDENTS)
def resident_detail(resident_id: int) -> ResponseReturnValue:
    resident = resident_or_404(resident_id, Permission.VIEW_RESIDENTS)
    db = get_session()
    record(db, current_actor(), "resident.view", "resident", resident.id, resident.community_id)
    return render_template(
        "staff/resident_detail.html",
        resident=resident,
        card=register.active_card(db, resident),
        consents=register.active_consents(resident),
        reveal_form=RevealForm(),
        revealed=None,
        may_edit=can(current_user.staff, Permission.EDIT_RESIDENTS, resident.community_id),
        **volunteer_choice(db, resident),
        certificates=certificates_for_office(db, resident),
        family_links=active_links(db, resident.id),
        ended_links=recently_ended(db, resident.id),
    )


def certificates_for_office(db: Any, resident: Resident) -> list[Any] | None:
    """The resident's certificates (withdrawn ones too), for staff who may view and revoke them; else None."""
    if not can(current_user.staff, Permission.VIEW_TRAINING, resident.community_id):
        return None
    return certificates_of(db, resident.id, include_revoked=True)


def volunteer_choice(db: Any, resident: Resident) -> dict[str, Any]:
    """For staff who run the time bank: whose console account is this resident's own."""
    if not can(current_user.staff, Permission.TIME_BANK, resident.community_id):
        return {"volunteer_accounts": None, "volunteer_account": None}
    accounts = volunteering.volunteers_for(db, resident)
    return {
        "volunteer_accounts": accounts,
        "volunteer_account": next((u for u in accounts if u.resident_id == resident.id), None),
    }


@bp.post("/residents/<int:resident_id>/reveal")
@require(Permission.REVEAL_NUMBERS)
def resident_reveal(resident_id: int) -> ResponseReturnValue:
    """Show a full ID or phone number once, after the staff member types their password again."""
    resident = resident_or_404(resident_id, Permission.REVEAL_NUMBERS)
    what = request.form.get("what")
    if what not in (register.ID_KIND, register.PHONE_KIND):
        return redirect(url_for("staff.resident_detail", resident_id=resident.id), code=303)
    form = RevealForm()
    db = get_session()
    revealed = None
    status = 200
    if form.validate_on_submit() and verify_password(
        current_user.staff.password_hash, form.password.data or ""
    ):
        revealed = (what, register.reveal(vault(), resident, what))
        record(db, current_actor(), f"reveal.{what}", "resident", resident.id, resident.community_id)
    else:
        if not form.password.errors:
            form.password.errors = [_("That password is not right.")]
        record(
            db,
            current_actor(),
            f"reveal.{what}",
            "resident",
            resident.id,
            resident.community_id,
            result="denied",
        )
        keep()  # a refused reveal is audited
        status = 403
    form.password.data = ""
    return render_template(
        "staff/resident_detail.html",
        resident=resident,
        card=register.active_card(db, resident),
        consents=register.active_consents(resident),
        reveal_form=form,
        reveal_what=what,
        revealed=revealed,
        may_edit=can(current_user.staff, Permission.EDIT_RESIDENTS, resident.community_id),
        **volunteer_choice(db, resident),
        certificates=certificates_for_office(db, resident),
    ), status


@bp.route("/residents/<int:resident_id>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_RESIDENTS)
def resident_edit(resident_id: int) -> ResponseReturnValue:
    resident = resident_or_404(resident_id, Permission.EDIT_RESIDENTS)
    ids = frozenset({resident.community_id})
    held = register.active_consents(resident)
    form = ResidentForm(
        obj=resident if request.method == "GET" else None,
        data={name: kind in held for name, kind in CONSENT_FIELDS.items()}
        if request.method == "GET"
        else None,
    )
    if request.method == "GET":
        form.household_id.data = str(resident.household_id or "")
        form.id_number.data = ""
        form.phone.data = ""
        form.preferred_locale.data = resident.preferred_locale or ""
    form.household_id.choices = household_choices(ids)

    def update() -> Resident:
        register.update_resident(get_session(), vault(), current_actor(), resident, _input_from(form))
        return resident

    return _save(form, resident, update)


@bp.post("/residents/<int:resident_id>/consents/<kind>/withdraw")
@require(Permission.EDIT_RESIDENTS)
def resident_consent_withdraw(resident_id: int, kind: str) -> ResponseReturnValue:
    resident = resident_or_404(resident_id, Permission.EDIT_RESIDENTS)
    if kind in {k.value for k in ConsentKind}:
        db = get_session()
        register.withdraw_consent(db, current_actor(), resident, ConsentKind(kind))
        flash(_("Consent withdrawn; the fact it covered has been removed."), "info")
    return redirect(url_for("staff.resident_detail", resident_id=resident.id), code=303)


@bp.post("/residents/<int:resident_id>/move-out")
@require(Permission.EDIT_RESIDENTS)
def resident_move_out(resident_id: int) -> ResponseReturnValue:
    resident = resident_or_404(resident_id, Permission.EDIT_RESIDENTS)
    db = get_session()
    register.move_out(db, current_actor(), resident)
    flash(_("Marked as moved out. Their card no longer works."), "info")
    return redirect(url_for("staff.residents"), code=303)


def resident_label(resident: Resident) -> str:
    return resident.household.label if resident.household else _("Common area or not known")
