"""A person's visit at a kiosk: who is identified, who helps, and when it must end.

The idle rule lives here, not in the page: a visit not touched for the kiosk's idle timeout plus
the 20-second warning is over, whether or not the page's script ran its reset.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.identity.cards import CardRefused, card_for_scan
from webapp.domain.identity.vault import Vault, token_hash
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import HandoffToken, Kiosk, KioskVisit, Resident, Role, StaffBadge, StaffUser

WARNING = timedelta(seconds=20)
# Who may help residents at a kiosk (assisted mode): the same roles that may help set a PIN.
HELPER_ROLES = frozenset(
    {Role.ADMIN, Role.COMMUNITY_WORKER, Role.VOLUNTEER}
)  # "Are you still there?" countdown
PIN_FRESH = timedelta(minutes=3)


# A visit's pages note that the resident is still there at most this often (each note is a write, and a busy
# lobby's kiosks queue behind every write on SQLite); the idle limit waits this much longer, so that a visit
# never ends before the screen's own countdown has run out.
TOUCH_EVERY = timedelta(seconds=5)


class _KioskLike(Protocol):  # a Kiosk row, or the kiosk face's remembered copy of one
    @property
    def id(self) -> int: ...

    @property
    def idle_timeout_seconds(self) -> int: ...


class _VisitLike(Protocol):  # a KioskVisit row, or a row of the kept home's one query
    @property
    def kiosk_id(self) -> int: ...

    @property
    def ended_at(self) -> datetime | None: ...

    @property
    def last_seen_at(self) -> datetime: ...


def limit(kiosk: _KioskLike) -> timedelta:
    return timedelta(seconds=kiosk.idle_timeout_seconds) + WARNING + TOUCH_EVERY


def standing(kiosk: _KioskLike, visit: _VisitLike | None) -> Literal["live", "idle", "gone"]:
    """Whether a visit still stands at this kiosk: "gone" (none, another kiosk's, ended), "idle" (past the
    limit: open_visit ends it) or "live". The one rule, for the full set-up and the kept home's one query."""
    if visit is None or visit.kiosk_id != kiosk.id or visit.ended_at is not None:
        return "gone"
    if clock.now() - visit.last_seen_at > limit(kiosk):
        return "idle"
    return "live"


def open_visit(session: Session, kiosk: Kiosk, visit_id: int | None) -> KioskVisit | None:
    """The kiosk's live visit with this id, or None; a visit past the idle limit is ended here."""
    visit = session.get(KioskVisit, visit_id) if visit_id is not None else None
    state = standing(kiosk, visit)
    if state == "idle" and visit is not None:
        end_visit(session, visit, "idle")
    return visit if state == "live" else None


def past_idle_limit(session: Session, kiosk: Kiosk, visit_id: int | None) -> bool:
    """Whether open_visit would end this visit (and so write): a read-only request starts writing first."""
    return standing(kiosk, session.get(KioskVisit, visit_id) if visit_id is not None else None) == "idle"


def touch(session: Session, visit: KioskVisit) -> None:
    visit.last_seen_at = clock.now()
    session.flush()


def end_visit(session: Session, visit: KioskVisit, reason: str) -> None:
    """End the visit; a hand-off QR still on screen stops working too (someone may photograph it)."""
    if visit.ended_at is None:
        visit.ended_at = clock.now()
        visit.end_reason = reason
        if visit.resident_id is not None:
            session.execute(
                update(HandoffToken)
                .where(
                    HandoffToken.resident_id == visit.resident_id,
                    HandoffToken.kiosk_id == visit.kiosk_id,
                    HandoffToken.used_at.is_(None),
                    HandoffToken.expires_at > visit.ended_at,
                )
                .values(expires_at=visit.ended_at)
                .execution_options(synchronize_session=False)
            )
        session.flush()


def sweep(session: Session, kiosk: Kiosk) -> int:
    """End every visit of this kiosk that is past the limit (run on each heartbeat)."""
    cutoff = clock.now() - limit(kiosk)
    result = session.execute(
        update(KioskVisit)
        .where(
            KioskVisit.kiosk_id == kiosk.id, KioskVisit.ended_at.is_(None), KioskVisit.last_seen_at < cutoff
        )
        .values(ended_at=clock.now(), end_reason="idle")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class ScanRefused(DomainError):
    code = "scan_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "unknown", "revoked", "moved_out", "other_community", "badge_revoked"


def badge_for_scan(session: Session, scanned: str) -> StaffBadge | None:
    from webapp.domain.identity.cards import token_from_scan

    token = token_from_scan(scanned.replace("/b/", "/c/"))
    if token is None:
        return None
    return session.scalar(select(StaffBadge).where(StaffBadge.token_hash == token_hash("badge:" + token)))


def identify(session: Session, kiosk: Kiosk, scanned: str, current: KioskVisit | None) -> KioskVisit:
    """Handle one scan at a kiosk: a resident card starts (or completes) a visit; a staff badge starts
    assisted mode and waits for the resident's card."""
    badge = badge_for_scan(session, scanned) if "/b/" in scanned else None
    if badge is not None:
        if badge.revoked_at is not None or not badge.staff.is_active:
            raise ScanRefused("badge_revoked")
        if not any(
            r.community_id == kiosk.community_id and r.role in HELPER_ROLES for r in badge.staff.roles
        ):
            raise ScanRefused("other_community")
        if current is not None:
            end_visit(session, current, "replaced")
        visit = KioskVisit(kiosk_id=kiosk.id, helper_id=badge.staff_user_id)
        session.add(visit)
        session.flush()
        return visit
    try:
        card = card_for_scan(session, scanned)
    except CardRefused as exc:
        raise ScanRefused(exc.reason) from exc
    resident = card.resident
    if resident.community_id != kiosk.community_id:
        raise ScanRefused("other_community")
    helper_id = current.helper_id if current is not None and current.resident_id is None else None
    if current is not None:
        end_visit(session, current, "replaced")
    visit = KioskVisit(kiosk_id=kiosk.id, resident_id=resident.id, helper_id=helper_id)
    session.add(visit)
    session.flush()
    actor = visit_actor(visit)
    record(session, actor, "kiosk.identify", "resident", resident.id, resident.community_id, method="card")
    return visit


def start_with_resident(
    session: Session, kiosk: Kiosk, resident: Resident, current: KioskVisit | None
) -> KioskVisit:
    """Start a visit for a resident identified another way (ID card read by the kiosk's reader)."""
    if current is not None:
        end_visit(session, current, "replaced")
    visit = KioskVisit(kiosk_id=kiosk.id, resident_id=resident.id)
    session.add(visit)
    session.flush()
    record(
        session,
        visit_actor(visit),
        "kiosk.identify",
        "resident",
        resident.id,
        resident.community_id,
        method="id_card",
    )
    return visit


def identify_by_id_card(
    session: Session, vault: Vault, kiosk: Kiosk, raw: str, current: KioskVisit | None
) -> KioskVisit:
    """The kiosk's own ID card reader (through the hardware bridge) read a card placed on it.

    Only kiosks registered with a reader accept this; only the number's keyed hash is compared. In assisted
    mode the read completes the helper's visit; otherwise it starts the resident's own visit.
    """
    from webapp.domain.register.residents import find_by_id_number

    if not kiosk.has_id_reader:
        raise ScanRefused("no_reader")
    if current is not None and current.helper_id is not None and current.resident_id is None:
        identify_by_id_number(session, vault, current, kiosk, raw)
        return current
    resident = find_by_id_number(session, vault, raw[:40])
    if resident is None or resident.community_id != kiosk.community_id or resident.erased_at is not None:
        raise ScanRefused("unknown")
    return start_with_resident(session, kiosk, resident, current)


class NotHelping(DomainError):
    code = "not_helping"


def identify_by_id_number(
    session: Session, vault: Vault, visit: KioskVisit, kiosk: Kiosk, raw: str
) -> Resident:
    """Assisted mode: the helper typed (or the reader sent) the resident's ID number.

    Only its keyed hash is compared. ScanRefused("unknown"): no resident of this community has it;
    NotHelping: the visit is not in assisted mode waiting for a resident.
    """
    from webapp.domain.register.residents import find_by_id_number

    if visit.helper_id is None or visit.resident_id is not None:
        raise NotHelping()
    resident = find_by_id_number(session, vault, raw[:40])
    if resident is None or resident.community_id != kiosk.community_id:
        raise ScanRefused("unknown")
    visit.resident_id = resident.id
    session.flush()
    record(
        session,
        visit_actor(visit),
        "kiosk.identify",
        "resident",
        resident.id,
        resident.community_id,
        method="id_number",
    )
    return resident


def visit_actor(visit: KioskVisit) -> Actor:
    """Who acts in this visit: the helper for the resident (assisted mode), or the resident."""
    channel = f"kiosk:{visit.kiosk_id}"
    if visit.helper_id is not None:
        helper: StaffUser | None = visit.helper
        roles = ",".join(sorted({r.role.value for r in helper.roles})) if helper else None
        return Actor(
            type="staff",
            id=visit.helper_id,
            name=helper.display_name if helper else None,
            role=roles,
            channel=channel,
            on_behalf_of=visit.resident_id,
        )
    return Actor(type="resident", id=visit.resident_id, channel=channel)


def pin_is_fresh(visit: KioskVisit) -> bool:
    return visit.pin_verified_at is not None and clock.now() - visit.pin_verified_at <= PIN_FRESH
