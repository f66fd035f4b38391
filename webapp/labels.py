"""Translated names of roles, shown in the console."""

from flask_babel import lazy_gettext as _l

from webapp.models import ConsentKind, Role, Status

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
