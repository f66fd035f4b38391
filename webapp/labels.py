"""Translated names of roles, shown in the console."""

from flask_babel import lazy_gettext as _l

from webapp.models import Category, ConsentKind, Eligibility, Handler, Role, Status

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COMMUNITY_WORKER: _l("Community worker"),
    Role.PROPERTY_MANAGER: _l("Property manager"),
    # Translators: a company or clinic that answers service requests, e.g. a home-care provider.
    Role.SERVICE_PROVIDER: _l("Service provider"),
    Role.VOLUNTEER: _l("Volunteer"),
}


def role_label(role: Role) -> str:
    return str(ROLE_LABELS[role])


CONSENT_LABELS = {
    ConsentKind.AGE: _l("Date of birth (age)"),
    ConsentKind.LIVES_ALONE: _l("Living alone"),
    ConsentKind.DISABILITY: _l("Disability registration"),
    ConsentKind.HEALTH: _l("Health information"),
}


def consent_label(kind: ConsentKind) -> str:
    return str(CONSENT_LABELS[kind])


STATUS_LABELS = {
    Status.SUBMITTED: _l("Received"),
    Status.ACCEPTED: _l("Accepted"),
    Status.IN_PROGRESS: _l("Being handled"),
    Status.RESOLVED: _l("Done"),
    Status.CLOSED: _l("Closed"),
    Status.REJECTED: _l("Not accepted"),
    Status.CANCELLED: _l("Cancelled"),
}


def status_label(status: Status | None) -> str:
    return str(STATUS_LABELS[status]) if status is not None else ""


CATEGORY_LABELS = {
    Category.REPAIR: _l("Repairs"),
    Category.COMPLAINT: _l("Complaints and suggestions"),
    Category.ELDERLY_CARE: _l("Elderly care"),
    Category.HEALTH: _l("Health"),
    Category.CHILDCARE: _l("Childcare"),
    Category.DISABILITY_AID: _l("Disability aid"),
    Category.HELP_BENEFITS: _l("Help and benefits"),
    Category.CERTIFICATES: _l("Certificates"),
    Category.OTHER: _l("Other"),
}


def category_label(category: Category | str) -> str:
    return str(CATEGORY_LABELS[Category(category)])


HANDLER_LABELS = {
    Handler.PROPERTY: _l("Property company"),
    Handler.OFFICE: _l("Community office"),
    Handler.PROVIDER: _l("Service provider"),
}


def unit_label(unit: str) -> str:
    """A handling unit as the queue filter names it: "office", "property" or "provider:<name>"."""
    if unit.startswith("provider:"):
        return unit.split(":", 1)[1]
    return str(HANDLER_LABELS[Handler(unit)])


ELIGIBILITY_LABELS = {
    Eligibility.EVERYONE: _l("Everyone"),
    Eligibility.AGED_60: _l("Aged 60 and over"),
    Eligibility.DISABILITY: _l("Registered disability"),
}
