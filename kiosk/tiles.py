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


# In the order of the kiosk issue; a tile whose page does not exist (yet) is left out.
TILES: list[Tile] = [
    Tile("kiosk.report", "repair", _l("Report a problem"), args=(("kind", "report"),)),
    Tile("kiosk.report", "calendar", _l("Book a service"), args=(("kind", "ask"),)),
    Tile("kiosk.my_requests", "ticket", _l("My requests")),
    Tile("kiosk.notices", "bell", _l("Notices")),
    Tile("kiosk.learn", "book", _l("Learn & practise")),
    Tile("kiosk.directory", "list", _l("Local services")),
    Tile("kiosk.checkin", "heart", _l("I'm fine today"), post=True),
    Tile("kiosk.help", "alert", _l("Call for help")),
]


def tiles_for(visit: KioskVisit | None) -> list[Tile]:
    endpoints = current_app.view_functions
    return [t for t in TILES if t.endpoint in endpoints][:MAX_TILES]
