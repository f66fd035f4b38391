"""The kiosk home's tiles: at most eight, each a capability that exists; later features add theirs here."""

from __future__ import annotations

from dataclasses import dataclass

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


TILES: list[Tile] = [
    Tile("kiosk.report", "repair", _l("Report a problem"), args=(("kind", "report"),)),
    Tile("kiosk.report", "calendar", _l("Ask for a service"), args=(("kind", "ask"),)),
    Tile("kiosk.checkin", "heart", _l("I'm fine today"), post=True),
    Tile("kiosk.phone", "phone", _l("Continue on my phone")),
    Tile("kiosk.help", "alert", _l("Call for help")),
]


def tiles_for(visit: KioskVisit | None) -> list[Tile]:
    return TILES[:MAX_TILES]
