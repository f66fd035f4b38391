"""The resident face on phones."""

from webapp.resident import (  # noqa: F401
    account,
    ask,
    contacts,
    directory,
    events,
    family,
    follow,
    help_calls,
    learn,
    messages,
    notices,
    routes,
    tickets,
    timebank,
    training,
)
from webapp.resident.blueprint import bp

__all__ = ["bp"]
