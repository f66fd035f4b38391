"""The resident face on phones."""

from webapp.resident import (  # noqa: F401
    account,
    ask,
    directory,
    events,
    family,
    follow,
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
