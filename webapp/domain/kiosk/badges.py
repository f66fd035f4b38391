"""Staff and volunteer badges: a QR of `<base>/b/<token>`, scanned at a kiosk to start assisted mode."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.identity.vault import new_token, token_hash
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import StaffBadge, StaffUser


def issue_badge(session: Session, actor: Actor, staff: StaffUser) -> str:
    """Return the badge URL path token; earlier badges of this person stop working."""
    for old in session.scalars(
        select(StaffBadge).where(StaffBadge.staff_user_id == staff.id, StaffBadge.revoked_at.is_(None))
    ):
        old.revoked_at = clock.now()
    token = new_token()
    session.add(StaffBadge(staff_user_id=staff.id, token_hash=token_hash("badge:" + token)))
    session.flush()
    record(session, actor, "badge.issue", "staff_user", staff.id)
    return token


def badge_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/b/{token}"
