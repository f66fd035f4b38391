"""Which kiosk a browser is, remembered per process for the shared screens (issue 21).

A passer-by's attract screen comes from the process's copy (webapp/infra/page_cache.py), yet every request
still read the kiosk's row to check the device cookie: with the version token remembered for a second, that
read was most of what the copy cost. A paired device's row is now remembered under the same version token as
the copies. Unpairing, pairing again, removing a kiosk or changing its language writes the `kiosk` table,
which the copies watch, so the remembered row goes exactly when the copies go: in this process at the commit,
in the others within a second. An unknown cookie is never remembered (made-up ones cannot fill the memory);
it is looked up every time, as before.

Only the attract and start screens of a browser with no visit take this path, and only their copy is served
from it: when the copy has to be rendered, or the request turns out to be personal, the kiosk's row is loaded
as on every other screen first (`g.linli_full_request`, which `shared_page` runs before the view).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from webapp.domain.identity.vault import token_hash
from webapp.domain.kiosk.devices import kiosk_for_device
from webapp.infra.page_cache import Kept, current_token
from webapp.models import Kiosk

EXTENSION = "linli_known_kiosks"
MAX_KNOWN = 256  # paired devices a process remembers; a district's app server sees a few hundred kiosks


@dataclass(frozen=True)
class KnownKiosk:
    """What a shared screen's request reads of the kiosk before its copy is served (the page's language, the
    copy's key, the bridge's address in the answer's headers): the same names as on `Kiosk`."""

    id: int
    community_id: int
    default_locale: str | None
    has_printer: bool
    has_id_reader: bool
    device_token_hash: str | None
    idle_timeout_seconds: int

    @classmethod
    def of(cls, kiosk: Kiosk) -> KnownKiosk:
        return cls(
            kiosk.id,
            kiosk.community_id,
            kiosk.default_locale,
            kiosk.has_printer,
            kiosk.has_id_reader,
            kiosk.device_token_hash,
            kiosk.idle_timeout_seconds,
        )


def known_kiosk(db: Session, device_token: str | None) -> KnownKiosk | None:
    """The kiosk this device cookie belongs to, from memory while the version token stands; None for an
    unknown cookie, or a database from before the version table."""
    if not device_token or len(device_token) > 100:
        return None
    token = current_token(db)  # read first: a change committed after it gives the next request a new token
    if token is None:
        return None
    known: Kept[KnownKiosk] | None = current_app.extensions.get(EXTENSION)
    if known is None:
        known = current_app.extensions.setdefault(EXTENSION, Kept(MAX_KNOWN))
    digest = token_hash(device_token)
    found = known.get(digest, token)
    if found is not None:
        return found
    kiosk = kiosk_for_device(db, device_token)
    if kiosk is None:
        return None
    found = KnownKiosk.of(kiosk)
    known.put(digest, token, found)
    return found


@dataclass(frozen=True)
class KnownVisit:
    """What a kept home's request reads of the visit before its copy is served (the same names as on
    `KioskVisit`), with the versions the copy is kept under (webapp/infra/personal_pages.py)."""

    id: int
    resident_id: int | None
    helper_id: int | None
    tokens: tuple[str, str, str]


def _visit_statement() -> Select[*tuple[Any, ...]]:
    from webapp.infra.personal_pages import EPOCH_ROW
    from webapp.models import KioskVisit, PageVersion, ResidentPageVersion

    shared, epoch = aliased(PageVersion), aliased(PageVersion)
    return (
        select(
            KioskVisit.kiosk_id,
            KioskVisit.resident_id,
            KioskVisit.helper_id,
            KioskVisit.ended_at,
            KioskVisit.last_seen_at,
            shared.token.label("shared"),
            epoch.token.label("epoch"),
            ResidentPageVersion.token.label("own"),
        )
        .select_from(KioskVisit)
        .join(shared, shared.id == 1)
        .join(epoch, epoch.id == EPOCH_ROW)
        .outerjoin(ResidentPageVersion, ResidentPageVersion.resident_id == KioskVisit.resident_id)
        .where(KioskVisit.id == bindparam("visit"))
    )


_VISIT: Select[*tuple[Any, ...]] | None = None


def known_visit(db: Session, kiosk: KnownKiosk, visit_id: object) -> KnownVisit | None:
    """This kiosk's live visit and the versions of its resident's home, in one query; None whenever the full
    set-up must decide (another kiosk's visit, ended, past the idle limit: it ends the visit and says so)."""
    from webapp.domain.kiosk.visits import standing

    global _VISIT
    if not isinstance(visit_id, int):
        return None
    if _VISIT is None:
        _VISIT = _visit_statement()
    row = db.connection().execute(_VISIT, {"visit": visit_id}).first()
    if row is None:
        return None
    if standing(kiosk, row) != "live":
        return None
    return KnownVisit(visit_id, row.resident_id, row.helper_id, (row.shared, row.epoch, row.own or ""))
