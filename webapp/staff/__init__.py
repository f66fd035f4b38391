"""The staff console face: one blueprint, a module per area."""

from webapp.staff import (  # noqa: F401
    account,
    api_keys,
    audit_views,
    buildings,
    cards,
    catalog,
    channels,
    communities,
    deliveries,
    directory,
    events,
    family,
    figures,
    importing,
    intake,
    kiosks,
    notice_templates,
    notices,
    people,
    providers,
    register,
    rollup,
    routes,
    safety,
    settings,
    staff_accounts,
    tickets,
    timebank,
    training,
    training_figures,
    webhooks,
    wording,
)
from webapp.staff.blueprint import bp

__all__ = ["bp"]
