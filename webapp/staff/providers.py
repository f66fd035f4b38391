"""Service providers and handling units of a community: the office (or its district) records them, their
contact and the service types routed to them; their staff are invited on the accounts page. The rules
(routing, names, archived communities) are the core's (`webapp.domain.desk.providers`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from webapp.auth.policy import Permission, deny, require
from webapp.domain.desk import providers as desk_providers
from webapp.domain.desk.providers import ProviderDetails, ProviderError
from webapp.domain.identity.numbers import mask_last4
from webapp.domain.privacy.audit import record
from webapp.domain.register.community import communities_by_id
from webapp.infra.db import get_session
from webapp.infra.numbers import small_int
from webapp.models import ProviderKind, ServiceProvider, ServiceType
from webapp.shared.context import current_actor, vault
from webapp.shared.labels import provider_kind_label
from webapp.shared.options import options
from webapp.staff.blueprint import bp
from webapp.staff.forms import ProviderForm
from webapp.staff.scope import allowed_ids

MESSAGES = {
    "name": lambda: _("Please give a name of at most 80 characters."),
    "name_taken": lambda: _("This community already has a provider of that name."),
    "kind": lambda: _("Please choose one of the kinds shown."),
    "contact": lambda: _("Please give a name of at most 64 characters."),
    "phone": lambda: _("Please give a phone number of 5 to 20 digits, like 0571-88886666."),
    "service_type": lambda: _("Please choose among this community's services."),
}


def _locale() -> str:
    return str(get_locale() or "zh_Hans")


def _form() -> ProviderForm:
    form = ProviderForm()
    form.kind.choices = options((k.value, provider_kind_label(k.value)) for k in ProviderKind)
    return form


def _chosen_types() -> list[int]:
    """The ticked service types; anything that is not a number is kept as an unknown id (refused)."""
    return [small_int(v, 2**31 - 1) or -1 for v in request.form.getlist("service_type")[:200]]


def _details(form: ProviderForm) -> ProviderDetails:
    return ProviderDetails(
        name=form.name.data or "",
        kind=form.kind.data or "",
        contact_name=form.contact_name.data or "",
        phone=form.phone.data or "",
        service_type_ids=_chosen_types(),
    )


def _show(form: ProviderForm, exc: ProviderError) -> None:
    target = {"service_types": form.name}.get(exc.field) or getattr(form, exc.field, form.name)
    target.errors = [MESSAGES.get(exc.reason, MESSAGES["name"])()]


def _types_of(community_id: int) -> list[ServiceType]:
    from sqlalchemy import select

    return list(
        get_session().scalars(
            select(ServiceType)
            .where(ServiceType.community_id == community_id)
            .order_by(ServiceType.position, ServiceType.id)
        )
    )


def _page(
    form: ProviderForm,
    community_id: int,
    provider: ServiceProvider | None,
    status: int,
    chosen: set[int] | None = None,
    type_error: str | None = None,
    revealed: str | None = None,
) -> ResponseReturnValue:
    db = get_session()
    ids = allowed_ids(Permission.MANAGE_PROVIDERS)
    listed = desk_providers.providers_in(db, {community_id})
    types = _types_of(community_id)
    if chosen is None:
        chosen = {t.id for t in types if provider is not None and t.provider_id == provider.id}
    community = next(iter(communities_by_id(db, {community_id})))
    page = render_template(
        "staff/providers.html",
        form=form,
        community=community,
        communities=communities_by_id(db, set(ids)),
        providers=listed,
        provider=provider,
        staff=desk_providers.staff_of_provider(db, provider) if provider else [],
        types=types,
        chosen=chosen,
        type_error=type_error,
        revealed=revealed,
        mask=lambda p: mask_last4(p.phone_last4, 11) if p.phone_last4 else "—",
        kind_label=provider_kind_label,
    )
    return page, status


def _community_choice() -> int:
    ids = allowed_ids(Permission.MANAGE_PROVIDERS)
    asked = small_int(request.args.get("community") or "", 2**31 - 1)
    return asked if asked in ids else min(ids)


def _save(form: ProviderForm, community_id: int, provider: ServiceProvider | None) -> ResponseReturnValue:
    """Create or update; bad input keeps the form and says what is wrong (400), an archived community 409."""
    db = get_session()
    if not form.validate_on_submit():
        return _page(form, community_id, provider, 400, set(_chosen_types()))
    try:
        if provider is None:
            community = communities_by_id(db, {community_id})[0]
            provider = desk_providers.add_provider(db, current_actor(), vault(), community, _details(form))
        else:
            desk_providers.edit_provider(db, current_actor(), vault(), provider, _details(form))
    except ProviderError as exc:
        _show(form, exc)
        type_error = MESSAGES["service_type"]() if exc.reason == "service_type" else None
        return _page(
            form,
            community_id,
            provider if provider and provider.id else None,
            400,
            set(_chosen_types()),
            type_error,
        )
    flash(_("Saved."), "info")
    return redirect(url_for("staff.provider_detail", provider_id=provider.id), code=303)


@bp.route("/providers", methods=["GET", "POST"])
@require(Permission.MANAGE_PROVIDERS)
def providers() -> ResponseReturnValue:
    community_id = _community_choice()
    form = _form()
    if request.method == "POST":
        return _save(form, community_id, None)
    return _page(form, community_id, None, 200)


def _provider_or_404(provider_id: int) -> ServiceProvider:
    provider = get_session().get(ServiceProvider, provider_id)
    if provider is None or provider.community_id not in allowed_ids(Permission.MANAGE_PROVIDERS):
        deny(subject_type="service_provider", subject_id=provider_id, permission="manage_providers")
        abort(404)
    return provider


@bp.route("/providers/<int:provider_id>", methods=["GET", "POST"])
@require(Permission.MANAGE_PROVIDERS)
def provider_detail(provider_id: int) -> ResponseReturnValue:
    provider = _provider_or_404(provider_id)
    form = _form()
    if request.method == "POST":
        return _save(form, provider.community_id, provider)
    return _page(_filled(form, provider), provider.community_id, provider, 200)


def _filled(form: ProviderForm, provider: ServiceProvider) -> ProviderForm:
    form.name.data = provider.name
    form.kind.data = provider.kind.value
    form.contact_name.data = provider.contact_name or ""
    return form


@bp.post("/providers/<int:provider_id>/phone")
@require(Permission.MANAGE_PROVIDERS)
def provider_phone(provider_id: int) -> ResponseReturnValue:
    """Show the full contact number once, audited like every other number shown in full."""
    provider = _provider_or_404(provider_id)
    number = desk_providers.provider_phone(vault(), provider)
    record(
        get_session(),
        current_actor(),
        "provider.phone_shown",
        "service_provider",
        provider.id,
        provider.community_id,
    )
    # Shown in this answer only (never flashed: the session cookie is signed, not encrypted).
    return _page(_filled(_form(), provider), provider.community_id, provider, 200, revealed=number or "—")
