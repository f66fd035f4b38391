"""The kiosk home's tiles: at most eight, each a capability that exists; later features add theirs here."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from webapp.models import KioskVisit

MAX_TILES = 8


@dataclass(frozen=True)
class Tile:
    endpoint: str
    icon: str
    label: object
    post: bool = False  # a one-tap action (a form button) rather than a page
    args: tuple[tuple[str, str], ...] = ()


# Activities and classes are one tap from home; "I'm fine today" is the big button above the tiles (a daily
# one-tap answer, not a place to go). A tile whose page does not exist (yet) is left out.
TILES: list[Tile] = [
    Tile("kiosk.report", "repair", _l("Report a problem"), args=(("kind", "report"),)),
    Tile("kiosk.report", "calendar", _l("Book a service"), args=(("kind", "ask"),)),
    Tile("kiosk.my_tickets", "ticket", _l("My requests")),
    Tile("kiosk.notices", "bell", _l("Notices")),
    Tile("kiosk.events", "star", _l("Activities")),
    Tile("kiosk.my_skills", "book", _l("Classes & lessons")),
    Tile("kiosk.directory", "list", _l("Local services")),
    Tile("kiosk.help", "alert", _l("Call for help")),
]


def tiles_for(visit: KioskVisit | None) -> list[Tile]:
    endpoints = current_app.view_functions
    return [t for t in TILES if t.endpoint in endpoints][:MAX_TILES]
