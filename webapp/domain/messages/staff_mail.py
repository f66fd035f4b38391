"""E-mail to staff (issue 17): an invitation's link to the invitee's own address, and the hourly digest of
each person's queues to those who chose it.

The invitation link is a secret (whoever has it creates the account), so the outbox keeps it sealed with the
vault, like an address, and it is opened only when the mail is sent; a link already used or expired is never
sent. The digest carries counts only (new, overdue, urgent): no resident's name, no ticket's words, because
mail leaves the building and is read on phones. It is sent only when the counts changed since the person's
last digest, so a quiet queue stays quiet.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.domain.identity.accounts import NewLink
from webapp.domain.identity.vault import Vault
from webapp.domain.messages.channels import of_community
from webapp.domain.messages.outbox import Recipient, add, first_name
from webapp.models import Community, OutboxMessage, StaffUser

LINK_KIND = "invitation_link"  # the vault's kind for a link kept in the outbox until it is mailed
DIGEST_COUNTS = ("new", "overdue", "urgent")


def seal_param(vault: Vault, value: str) -> str:
    return base64.b64encode(vault.encrypt(LINK_KIND, value)).decode()


def open_params(vault: Vault, params: dict[str, Any]) -> dict[str, Any]:
    """The params with a sealed link opened, for the words of the message being sent now."""
    if "link_sealed" not in params:
        return params
    opened = {k: v for k, v in params.items() if k != "link_sealed"}
    opened["link"] = vault.decrypt(LINK_KIND, base64.b64decode(params["link_sealed"]))
    return opened


def invitation_mail(session: Session, vault: Vault, link: NewLink, url: str) -> list[OutboxMessage]:
    """Mail the link to the invitee when the invitation names their address (none: nothing to send)."""
    invitation = link.invitation
    if invitation.email_cipher is None or invitation.community_id is None:
        return []
    if not any(c.kind == "email" and c.enabled for c in of_community(session, invitation.community_id)):
        return []  # no mail server: the link page says so, rather than a failed delivery later
    community = session.get(Community, invitation.community_id)
    locale = (community.default_locale if community else None) or "zh_Hans"
    params = {"name": first_name(invitation.display_name or ""), "link_sealed": seal_param(vault, url)}
    return add(
        session,
        invitation.community_id,
        Recipient("invitation", invitation.id, locale),
        ["email"],
        "invitation",
        params,
    )


def _last_digest(session: Session, user_id: int) -> dict[str, Any] | None:
    return session.scalar(
        select(OutboxMessage.params)
        .where(
            OutboxMessage.recipient_kind == "staff",
            OutboxMessage.recipient_id == user_id,
            OutboxMessage.kind == "digest",
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )


def digest_to(session: Session, user: StaffUser, counts: dict[str, int]) -> list[OutboxMessage]:
    """Queue this person's digest if they chose it, have an address, and the counts changed since the last
    one (a first digest with nothing waiting is not sent either)."""
    if not (user.is_active and user.wants_digest and user.email_cipher and user.roles):
        return []
    now = {k: int(counts.get(k, 0)) for k in DIGEST_COUNTS}
    last = _last_digest(session, user.id)
    if last is None and not any(now.values()):
        return []
    if last is not None and {k: int(last.get(k, 0)) for k in DIGEST_COUNTS} == now:
        return []
    community_id = min(r.community_id for r in user.roles)  # whose mail server sends it
    community = session.get(Community, community_id)
    locale = user.preferred_locale or (community.default_locale if community else None) or "zh_Hans"
    return add(session, community_id, Recipient("staff", user.id, locale), ["email"], "digest", now)


def digest_readers(session: Session) -> list[StaffUser]:
    return list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.wants_digest.is_(True), StaffUser.is_active.is_(True))
            .order_by(StaffUser.id)
        )
    )
