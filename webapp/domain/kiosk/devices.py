"""Kiosk devices: register, pair a browser once with a one-time code, heartbeat, online status."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.config import LOCALES
from webapp.domain import DomainError, ensure_open
from webapp.domain.identity.vault import Vault, new_token, token_hash
from webapp.domain.privacy.audit import Actor, record
from webapp.domain.register.settings import SCANNER_PLACES
from webapp.infra import clock
from webapp.models import Community, Kiosk, KioskUptime

PAIRING_LIFETIME = timedelta(minutes=30)
ONLINE_WITHIN = timedelta(minutes=3)  # heartbeats come every minute
# No 0/O, 1/I/L: the code is read off a phone screen and typed on a touch keyboard.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


# Where a kiosk's card scanner is mounted, as the attract screen draws and says it.


class PairingRefused(DomainError):
    code = "pairing_refused"


def create_kiosk(
    session: Session,
    actor: Actor,
    community_id: int,
    name: str,
    place: str,
    idle_timeout_seconds: int = 60,
    has_printer: bool = False,
    has_id_reader: bool = False,
    default_locale: str | None = None,
    scanner_place: str = "below",
) -> Kiosk:
    ensure_open(session.get(Community, community_id))
    kiosk = Kiosk(
        default_locale=default_locale if default_locale in LOCALES else None,
        scanner_place=scanner_place if scanner_place in SCANNER_PLACES else "below",
        community_id=community_id,
        name=name.strip()[:80],
        place=place.strip()[:120],
        idle_timeout_seconds=max(30, min(idle_timeout_seconds, 600)),
        has_printer=has_printer,
        has_id_reader=has_id_reader,
    )
    session.add(kiosk)
    session.flush()
    record(session, actor, "kiosk.create", "kiosk", kiosk.id, community_id)
    return kiosk


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def start_pairing(session: Session, actor: Actor, kiosk: Kiosk) -> str:
    """Return a fresh one-time pairing code; the previous code (if any) stops working."""
    ensure_open(kiosk.community)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    kiosk.pairing_code_hash = token_hash("pair:" + code)
    kiosk.pairing_expires_at = clock.now() + PAIRING_LIFETIME
    session.flush()
    record(session, actor, "kiosk.pairing_start", "kiosk", kiosk.id, kiosk.community_id)
    return code


def pair(session: Session, code: str) -> tuple[Kiosk, str]:
    """Use a pairing code once: the browser becomes the kiosk and gets a device token to keep."""
    digest = token_hash("pair:" + normalise_code(code))
    kiosk = session.scalar(select(Kiosk).where(Kiosk.pairing_code_hash == digest))
    if kiosk is None or kiosk.pairing_expires_at is None or kiosk.pairing_expires_at < clock.now():
        raise PairingRefused("unknown or expired")
    ensure_open(kiosk.community)
    device_token = new_token(24)
    kiosk.device_token_hash = token_hash(device_token)
    kiosk.pairing_code_hash = None
    kiosk.pairing_expires_at = None
    kiosk.paired_at = clock.now()
    session.flush()
    record(
        session,
        Actor(type="kiosk", id=kiosk.id, channel=f"kiosk:{kiosk.id}"),
        "kiosk.paired",
        "kiosk",
        kiosk.id,
        kiosk.community_id,
    )
    return kiosk, device_token


def kiosk_for_device(session: Session, device_token: str | None) -> Kiosk | None:
    if not device_token or len(device_token) > 100:
        return None
    return session.scalar(select(Kiosk).where(Kiosk.device_token_hash == token_hash(device_token)))


def unpair(session: Session, actor: Actor, kiosk: Kiosk) -> None:
    kiosk.device_token_hash = None
    session.flush()
    record(session, actor, "kiosk.unpaired", "kiosk", kiosk.id, kiosk.community_id)


def heartbeat(session: Session, kiosk: Kiosk, version: str | None, status: dict[str, Any] | None) -> None:
    _heard(session, kiosk, clock.now())
    kiosk.last_seen_at = clock.now()
    kiosk.client_version = (version or "")[:32] or None
    if status is not None:
        kiosk.device_status = {str(k)[:32]: str(v)[:64] for k, v in list(status.items())[:10]}
    session.flush()


UPTIME_DAYS = 7
UPTIME_KEPT = timedelta(days=30)


def _heard(session: Session, kiosk: Kiosk, now: datetime) -> None:
    """Note the hour this kiosk was heard in (once per hour: one look-up per heartbeat, one row per hour)."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    if session.get(KioskUptime, (kiosk.id, hour)) is not None:
        return
    try:
        with session.begin_nested():
            session.add(KioskUptime(kiosk_id=kiosk.id, hour=hour))
    except IntegrityError:  # two heartbeats of the same kiosk at once: the other one wrote the hour
        return
    session.execute(
        delete(KioskUptime).where(KioskUptime.kiosk_id == kiosk.id, KioskUptime.hour < hour - UPTIME_KEPT)
    )


def uptime_percent(session: Session, kiosk_ids: list[int], now: datetime | None = None) -> float | None:
    """The share of the last 7 days' hours (since pairing, if later) in which these kiosks were heard from,
    in percent; None without a kiosk."""
    if not kiosk_ids:
        return None
    now = now or clock.now()
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    since = this_hour - timedelta(days=UPTIME_DAYS) + timedelta(hours=1)
    possible = 0
    for kiosk in session.scalars(select(Kiosk).where(Kiosk.id.in_(kiosk_ids))):
        start = max(since, (kiosk.paired_at or kiosk.created_at).replace(minute=0, second=0, microsecond=0))
        possible += max(1, int((this_hour - start) / timedelta(hours=1)) + 1)
    heard = session.scalar(
        select(func.count()).where(KioskUptime.kiosk_id.in_(kiosk_ids), KioskUptime.hour >= since)
    )
    return round(100 * min(int(heard or 0), possible) / possible, 1)


def is_online(kiosk: Kiosk, now: datetime | None = None) -> bool:
    return kiosk.last_seen_at is not None and (now or clock.now()) - kiosk.last_seen_at <= ONLINE_WITHIN


BRIDGE_PORT = 8765


def bridge_key(vault: Vault, kiosk: Kiosk) -> str | None:
    """The shared secret between this kiosk's page and its hardware bridge (see hardware/), or None if the
    kiosk is not paired. Derived from the pairing, so a new pairing issues a new key and nothing is stored."""
    if kiosk.device_token_hash is None:
        return None
    return vault.index("bridge", f"{kiosk.id}:{kiosk.device_token_hash}")[:48]
