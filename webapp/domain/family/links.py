"""A resident's family links: made by a one-time QR, claimed once, scoped, ended by the resident or staff."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.domain.identity.vault import new_token, token_hash
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import FamilyLink, FamilyMember, FamilyRelation, FamilyScope, Resident

MAX_LINKS = 5
QR_LIFETIME = timedelta(minutes=10)


class FamilyError(DomainError):
    code = "family"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # "too_many", "no_scope", "unknown", "expired", "used", "already", "not_linked", "scope",
        # "code_wrong", "code_expired", "code_tries", "codes_throttled"
        self.reason = reason


def _live(now: datetime) -> ColumnElement[bool]:
    """Links that count towards the five: claimed and not ended, or a QR still waiting to be scanned."""
    return (FamilyLink.ended_at.is_(None)) & (
        FamilyLink.claimed_at.is_not(None) | (FamilyLink.expires_at > now)
    )


def active_links(session: Session, resident_id: int) -> list[FamilyLink]:
    """The resident's linked family members (claimed, not ended), oldest first: what the kiosk lists."""
    return list(
        session.scalars(
            select(FamilyLink)
            .where(
                FamilyLink.resident_id == resident_id,
                FamilyLink.claimed_at.is_not(None),
                FamilyLink.ended_at.is_(None),
            )
            .order_by(FamilyLink.id)
        )
    )


def links_of_member(session: Session, member_id: int) -> list[FamilyLink]:
    """The residents a family member may act for now: only their own links, never anyone else's."""
    return list(
        session.scalars(
            select(FamilyLink)
            .join(Resident, Resident.id == FamilyLink.resident_id)
            .where(
                FamilyLink.member_id == member_id,
                FamilyLink.ended_at.is_(None),
                Resident.erased_at.is_(None),
                Resident.moved_out_at.is_(None),
            )
            .order_by(FamilyLink.id)
        )
    )


def create_link(
    session: Session,
    actor: Actor,
    resident: Resident,
    relation: FamilyRelation,
    scopes: Iterable[str],
    channel: str,
) -> tuple[FamilyLink, str]:
    """Make a one-time QR for a new family member; the caller has checked the resident's PIN (kiosk) or the
    resident stands at the office with staff. Returns the link and the token for the QR (stored hashed)."""
    chosen = sorted({s for s in scopes if s in FamilyScope._value2member_map_})
    if not chosen:
        raise FamilyError("no_scope")
    now = clock.now()
    if places_taken(session, resident.id) >= MAX_LINKS:
        raise FamilyError("too_many")
    token = new_token()
    link = FamilyLink(
        resident_id=resident.id,
        community_id=resident.community_id,
        relation=relation,
        scopes=chosen,
        token_hash=token_hash("family:" + token),
        created_at=now,
        created_channel=channel[:32],
        expires_at=now + QR_LIFETIME,
    )
    session.add(link)
    session.flush()
    record(
        session,
        actor,
        "family.link_create",
        "family_link",
        link.id,
        resident.community_id,
        relation=relation.value,
        scopes=chosen,
    )
    return link, token


def waiting_link(session: Session, token: str) -> FamilyLink:
    """The link behind a scanned QR, if it may still be claimed (refused in words otherwise); uses nothing."""
    link = session.scalar(select(FamilyLink).where(FamilyLink.token_hash == token_hash("family:" + token)))
    if link is None:
        raise FamilyError("unknown")
    if link.claimed_at is not None:
        raise FamilyError("used")
    if link.ended_at is not None:
        raise FamilyError("unknown")
    if link.expires_at <= clock.now():
        raise FamilyError("expired")
    return link


def claim_link(session: Session, link_id: int, member: FamilyMember, channel: str) -> FamilyLink:
    """Give the link to the family member who proved their phone: once, and only before it expires.

    The conditional UPDATE makes two phones racing for one QR get one winner."""
    now = clock.now()
    link = session.get(FamilyLink, link_id)
    if link is None:
        raise FamilyError("unknown")
    already = session.scalar(
        select(FamilyLink.id).where(
            FamilyLink.resident_id == link.resident_id,
            FamilyLink.member_id == member.id,
            FamilyLink.ended_at.is_(None),
        )
    )
    if already is not None:
        raise FamilyError("already")
    won = session.execute(
        update(FamilyLink)
        .where(
            FamilyLink.id == link_id,
            FamilyLink.claimed_at.is_(None),
            FamilyLink.ended_at.is_(None),
            FamilyLink.expires_at > now,
        )
        .values(claimed_at=now, member_id=member.id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(link)
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise FamilyError("used" if link.claimed_at is not None else "expired")
    record(
        session,
        family_actor(link, channel),
        "family.link_claim",
        "family_link",
        link.id,
        link.community_id,
    )
    return link


def end_link(session: Session, actor: Actor, link: FamilyLink, by: str) -> bool:
    """End a link at once (kiosk: the resident; office: staff; phone: the family member); the row stays for
    the audit trail. True if this call ended it: of two taps at once (two servers, PostgreSQL) only one
    ends it, is audited, and tells anyone, because the row is changed only where it is still live."""
    ended = session.execute(
        update(FamilyLink)
        .where(FamilyLink.id == link.id, FamilyLink.ended_at.is_(None))
        .values(ended_at=clock.now(), ended_by=by)
        .execution_options(synchronize_session=False)
    )
    session.refresh(link, ["ended_at", "ended_by"])
    if ended.rowcount != 1:  # type: ignore[attr-defined]
        return False
    record(session, actor, "family.link_end", "family_link", link.id, link.community_id, by=by)
    return True


def has_namesake(session: Session, link: FamilyLink) -> bool:
    """Has the resident ever linked another family member with this link's relation (two sons)? Then
    "your son" alone does not say which one."""
    return bool(
        session.scalar(
            select(func.count(FamilyLink.id)).where(
                FamilyLink.resident_id == link.resident_id,
                FamilyLink.relation == link.relation,
                FamilyLink.member_id.is_not(None),
                FamilyLink.member_id != link.member_id,
            )
        )
    )


def recently_ended(session: Session, resident_id: int, days: int = 90) -> list[FamilyLink]:
    """The resident's links ended in the last *days*, newest first: when a daughter asks the office why she
    sees nothing any more, the answer (ended by whom, when) is on the resident's page, not only in the
    audit trail."""
    since = clock.now() - timedelta(days=days)
    return list(
        session.scalars(
            select(FamilyLink)
            .where(
                FamilyLink.resident_id == resident_id,
                FamilyLink.claimed_at.is_not(None),
                FamilyLink.ended_at >= since,
            )
            .order_by(FamilyLink.ended_at.desc(), FamilyLink.id.desc())
            .limit(10)
        )
    )


def link_of_resident(session: Session, resident_id: int, link_id: int) -> FamilyLink:
    """One of this resident's links (the kiosk and the office end links by id: never another resident's)."""
    link = session.get(FamilyLink, link_id)
    if link is None or link.resident_id != resident_id:
        raise FamilyError("unknown")
    return link


def link_for(session: Session, member_id: int, link_id: int, scope: FamilyScope | None = None) -> FamilyLink:
    """The family member's live link, checked for *scope*: the one door every family page goes through.

    Another member's link, an ended one, or one whose resident is gone is "not linked" (the face answers
    404, so nobody learns that the link exists); a scope the resident did not choose is "scope" (403)."""
    link = session.get(FamilyLink, link_id)
    if (
        link is None
        or link.member_id != member_id
        or link.ended_at is not None
        or link.resident.erased_at is not None
        or link.resident.moved_out_at is not None
    ):
        raise FamilyError("not_linked")
    if scope is not None and scope.value not in (link.scopes or []):
        raise FamilyError("scope")
    return link


def family_actor(link: FamilyLink, channel: str) -> Actor:
    """The family member as the core sees them: acting for the link's resident, named by their relation."""
    return Actor.family_member(
        member_id=link.member_id,
        relation=link.relation.value,
        resident_id=link.resident_id,
        community_id=link.community_id,
        channel=channel,
    )


def places_taken(session: Session, resident_id: int) -> int:
    """How many of the five places are taken (live links and QR codes still waiting)."""
    now = clock.now()
    return int(
        session.scalar(
            select(func.count(FamilyLink.id)).where(FamilyLink.resident_id == resident_id, _live(now))
        )
        or 0
    )
