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

from flask import current_app
from sqlalchemy.orm import Session

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

    @classmethod
    def of(cls, kiosk: Kiosk) -> KnownKiosk:
        return cls(
            kiosk.id,
            kiosk.community_id,
            kiosk.default_locale,
            kiosk.has_printer,
            kiosk.has_id_reader,
            kiosk.device_token_hash,
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
