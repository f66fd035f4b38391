"""Service providers and handling units (property company, clinic, canteen, repair team) as records of their
own: contact, the service types routed to them, their staff.

Routing follows the record: a service type routed to a provider has `provider_id` set, and the queue shows
its tickets to that provider's staff (`queue.scope_of`) and names the provider as the ticket's unit. A
property company's types are the property company's (the property manager role sees them); every other
kind's types are the named provider's alone. The contact phone is sealed like every other number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain import DomainError, ensure_open, has_control_characters
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor, record
from webapp.models import (
    Community,
    Handler,
    ProviderKind,
    Role,
    ServiceProvider,
    ServiceType,
    StaffRole,
    StaffUser,
)

PHONE_KIND = "provider_phone"  # the vault's associated data: a provider phone never passes as a resident's
_PHONE = re.compile(r"^\+?[0-9]{5,20}$")


class ProviderError(DomainError):
    code = "provider"

    def __init__(self, reason: str, field: str = "name") -> None:
        super().__init__(reason)
        # "name", "name_taken", "kind", "contact", "phone", "service_type"
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class ProviderDetails:
    name: str
    kind: str = ProviderKind.OTHER.value
    contact_name: str = ""
    phone: str = ""  # empty on an edit: keep the sealed number
    service_type_ids: list[int] = field(default_factory=list)


def providers_in(session: Session, community_ids: Iterable[int]) -> list[ServiceProvider]:
    ids = set(community_ids)
    if not ids:
        return []
    return list(
        session.scalars(
            select(ServiceProvider)
            .where(ServiceProvider.community_id.in_(ids))
            .order_by(ServiceProvider.community_id, ServiceProvider.name)
        )
    )


def provider_named(session: Session, community_id: int, name: str) -> ServiceProvider | None:
    return session.scalar(
        select(ServiceProvider).where(
            ServiceProvider.community_id == community_id, ServiceProvider.name == " ".join(name.split())
        )
    )


def routed_types(session: Session, provider: ServiceProvider) -> list[ServiceType]:
    return list(
        session.scalars(
            select(ServiceType).where(ServiceType.provider_id == provider.id).order_by(ServiceType.position)
        )
    )


def staff_of_provider(session: Session, provider: ServiceProvider) -> list[StaffUser]:
    """The people who answer this provider's tickets (a service provider role naming it)."""
    return list(
        session.scalars(
            select(StaffUser)
            .join(StaffRole)
            .where(StaffRole.provider_id == provider.id, StaffRole.role == Role.SERVICE_PROVIDER)
            .order_by(StaffUser.display_name, StaffUser.id)
        )
    )


def _clean_phone(raw: str) -> str:
    phone = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw))
    if not _PHONE.match(phone):
        raise ProviderError("phone", "phone")
    return phone


def _check(session: Session, community: Community, details: ProviderDetails, own: int | None) -> str:
    name = " ".join(details.name.split())
    if not name or len(name) > 80 or has_control_characters(name):
        raise ProviderError("name")
    other = provider_named(session, community.id, name)
    if other is not None and other.id != own:
        raise ProviderError("name_taken")
    if details.kind not in {k.value for k in ProviderKind}:
        raise ProviderError("kind", "kind")
    contact = " ".join(details.contact_name.split())
    if len(contact) > 64 or has_control_characters(contact):
        raise ProviderError("contact", "contact_name")
    types = set(
        session.scalars(
            select(ServiceType.id).where(
                ServiceType.community_id == community.id, ServiceType.id.in_(details.service_type_ids)
            )
        )
    )
    if set(details.service_type_ids) - types:
        raise ProviderError("service_type", "service_types")
    return name


def _apply(
    session: Session, vault: Vault | None, provider: ServiceProvider, name: str, details: ProviderDetails
) -> None:
    provider.name = name
    provider.kind = ProviderKind(details.kind)
    provider.contact_name = " ".join(details.contact_name.split()) or None
    if details.phone.strip():
        phone = _clean_phone(details.phone)
        if vault is None:
            raise ProviderError("phone", "phone")
        provider.phone_cipher = vault.encrypt(PHONE_KIND, phone)
        provider.phone_last4 = phone[-4:]
    session.flush()
    route(session, provider, details.service_type_ids)


def route(session: Session, provider: ServiceProvider, service_type_ids: Iterable[int]) -> None:
    """Route exactly these service types (of the provider's community) to it; types it no longer answers
    go back to the community office, so no ticket is ever left with nobody to answer it."""
    wanted = set(service_type_ids)
    handler = Handler.PROPERTY if provider.kind == ProviderKind.PROPERTY else Handler.PROVIDER
    for service in session.scalars(
        select(ServiceType).where(
            ServiceType.community_id == provider.community_id,
            (ServiceType.provider_id == provider.id) | ServiceType.id.in_(wanted),
        )
    ):
        if service.id in wanted:
            service.provider_id = provider.id
            service.handler = handler
        else:
            service.provider_id = None
            service.handler = Handler.OFFICE
    session.flush()


def add_provider(
    session: Session, actor: Actor, vault: Vault | None, community: Community, details: ProviderDetails
) -> ServiceProvider:
    ensure_open(community)
    name = _check(session, community, details, None)
    provider = ServiceProvider(community_id=community.id, name=name)
    session.add(provider)
    _apply(session, vault, provider, name, details)
    record(session, actor, "provider.add", "service_provider", provider.id, community.id)
    return provider


def edit_provider(
    session: Session, actor: Actor, vault: Vault, provider: ServiceProvider, details: ProviderDetails
) -> None:
    community = session.get(Community, provider.community_id)
    assert community is not None  # noqa: S101 (a foreign key)
    ensure_open(community)
    name = _check(session, community, details, provider.id)
    _apply(session, vault, provider, name, details)
    record(session, actor, "provider.edit", "service_provider", provider.id, community.id)


def provider_phone(vault: Vault, provider: ServiceProvider) -> str | None:
    """The full number, for the office to call (a business number, still sealed at rest)."""
    return vault.decrypt(PHONE_KIND, provider.phone_cipher) if provider.phone_cipher else None
