"""Colleagues' accounts, managed by the office: invitations, roles per community, disabling, password and
second-factor resets.

Two rules hold whatever the face: no one grants (or takes away, or acts on an account holding) a role above
their own in that community, and no community is ever left without an active administrator. Every change is
audited in each community it touches (`roles.audit_communities`: a district administrator's under their
region's first community; an account with no community, under none); disabling or resetting ends the
person's sessions at once (`session_version`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from webapp.domain import ensure_open, has_control_characters
from webapp.domain.identity.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from webapp.domain.identity.roles import (
    AccountError,
    active_admins,
    audit_communities,
    may_grant,
    may_manage,
    provider_for,
    roles_in,
)
from webapp.domain.identity.staff import (
    create_staff,
    disable_totp,
    find_staff,
    normalise_username,
    set_password,
)
from webapp.domain.identity.vault import Vault
from webapp.domain.privacy.audit import Actor, record
from webapp.infra import clock
from webapp.models import (
    Community,
    InvitationKind,
    Role,
    StaffInvitation,
    StaffRegionRole,
    StaffRole,
    StaffUser,
)

INVITATION_LIFETIME = timedelta(hours=72)
EMAIL_KIND = "staff_email"  # the vault's kind for staff members' own e-mail addresses
# Deliberately loose: one @, a dot in the domain, no spaces; the mail server is the real judge.
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
# No hash verifies against this: a reset account cannot sign in until its owner sets a new password.
UNUSABLE_PASSWORD = "!reset"  # noqa: S105 (not a password: a marker no hash matches)


def check_username(username: str) -> str:
    """The username as stored (lower case), or AccountError("username")."""
    name = normalise_username(username)
    if not USERNAME_RE.match(name):
        raise AccountError("username")
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_short")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("password_long")


def check_email(text: str) -> str:
    """An e-mail address as kept ("" for none), or AccountError("email")."""
    email = text.strip()
    if not email:
        return ""
    if len(email) > 254 or not EMAIL_RE.match(email) or has_control_characters(email):
        raise AccountError("email")
    return email


def seal_email(vault: Vault, email: str) -> bytes | None:
    """Why sealed: it is the person's own address (often private), used only to send them mail; a copy of
    the database must not be a list of staff addresses. Nobody looks it up by value, so no index is kept."""
    return vault.encrypt(EMAIL_KIND, email) if email else None


def email_of(vault: Vault, user: StaffUser | StaffInvitation) -> str:
    return vault.decrypt(EMAIL_KIND, user.email_cipher) if user.email_cipher else ""


def set_own_email(session: Session, vault: Vault, user: StaffUser, email: str, wants_digest: bool) -> None:
    """A staff member's own contact preferences: their address and whether they want the hourly digest
    (which needs an address). Audited in each of their communities; the address itself is not logged."""
    address = check_email(email)
    if wants_digest and not address:
        raise AccountError("email_needed")
    user.email_cipher = seal_email(vault, address)
    user.wants_digest = wants_digest
    session.flush()
    for cid in audit_communities(session, user):
        record(
            session,
            _self(user),
            "staff.contact_set",
            "staff_user",
            user.id,
            cid,
            email=bool(address),
            digest=wants_digest,
        )


def _keeps_an_admin(session: Session, user: StaffUser, community_ids: Iterable[int]) -> None:
    """Refuse a change that would leave one of these communities without an active administrator."""
    for cid in community_ids:
        if Role.ADMIN in roles_in(user, cid) and user.is_active and active_admins(session, cid) <= 1:
            raise AccountError("last_admin")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewLink:
    invitation: StaffInvitation
    token: str  # shown once, as a link and a QR; only its hash is kept

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/staff/invite/{self.token}"


def _new_link(session: Session, invitation: StaffInvitation) -> NewLink:
    token = secrets.token_urlsafe(24)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = clock.now() + INVITATION_LIFETIME
    session.add(invitation)
    session.flush()
    return NewLink(invitation, token)


def invite(
    session: Session,
    actor: Actor,
    inviter: StaffUser,
    community_id: int,
    role: Role,
    display_name: str,
    provider: str | None = None,
    email: str = "",
    vault: Vault | None = None,
) -> NewLink:
    """A one-time link for a new colleague with *role* in a community (72 hours); with their own e-mail
    address the link is also mailed to them (`messages.staff_mail`), and their account keeps the address."""
    if not may_grant(inviter, community_id, role):
        raise AccountError("above_own_role")
    name = " ".join(display_name.split())
    if not name or len(name) > 64 or has_control_characters(name):
        raise AccountError("name")
    address = check_email(email)
    if address and vault is None:
        raise ValueError("sealing an e-mail address needs the vault")
    ensure_open(session.get(Community, community_id))
    record_of = provider_for(session, community_id, role, provider)
    link = _new_link(
        session,
        StaffInvitation(
            kind=InvitationKind.INVITE,
            community_id=community_id,
            role=role,
            provider_id=record_of.id if record_of is not None else None,
            display_name=name,
            created_by_id=inviter.id,
            email_cipher=seal_email(vault, address) if vault is not None else None,
        ),
    )
    record(
        session,
        actor,
        "staff.invite",
        "staff_invitation",
        link.invitation.id,
        community_id,
        role=role.value,
        email=bool(address),
    )
    return link


def open_link(session: Session, token: str) -> StaffInvitation:
    """The invitation or reset behind a link, if it may still be used; else AccountError saying why."""
    found = session.scalar(select(StaffInvitation).where(StaffInvitation.token_hash == _token_hash(token)))
    if found is None:
        raise AccountError("invite_unknown")
    if found.used_at is not None:
        raise AccountError("invite_used")
    if found.expires_at <= clock.now():
        raise AccountError("invite_expired")
    if found.kind == InvitationKind.RESET and (found.staff_user is None or not found.staff_user.is_active):
        raise AccountError("invite_unknown")
    return found


def _use(session: Session, invitation: StaffInvitation) -> None:
    """Mark the link used, once: of two people submitting it at the same moment, only one gets through."""
    used = session.execute(
        update(StaffInvitation)
        .where(StaffInvitation.id == invitation.id, StaffInvitation.used_at.is_(None))
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise AccountError("invite_used")
    session.refresh(invitation)


def accept(session: Session, token: str, username: str, password: str, display_name: str = "") -> StaffUser:
    """Use a link: a new colleague creates their account; a reset sets the account's new password."""
    invitation = open_link(session, token)
    check_password(password)
    if invitation.kind == InvitationKind.RESET:
        user = invitation.staff_user
        assert user is not None  # noqa: S101 (open_link checked it)
        _use(session, invitation)
        set_password(session, user, password)
        for cid in audit_communities(session, user):
            record(session, _self(user), "staff.password_set", "staff_user", user.id, cid)
        return user
    name = check_username(username)
    if find_staff(session, name) is not None:
        raise AccountError("username_taken")
    own_name = " ".join(display_name.split())
    if len(own_name) > 64 or has_control_characters(own_name):
        raise AccountError("name")
    assert invitation.community_id is not None  # noqa: S101 (INVITE rows have both)
    assert invitation.role is not None  # noqa: S101
    _use(session, invitation)
    user = create_staff(
        session,
        name,
        own_name or invitation.display_name or name,
        password,
        [(invitation.community_id, invitation.role)],
    )
    user.roles[0].provider_id = invitation.provider_id
    user.email_cipher = invitation.email_cipher
    invitation.staff_user_id = user.id
    session.flush()
    record(
        session,
        _self(user),
        "staff.invite_accepted",
        "staff_user",
        user.id,
        invitation.community_id,
        invitation_id=invitation.id,
        role=invitation.role.value,
    )
    return user


def _self(user: StaffUser) -> Actor:
    return Actor(type="staff", id=user.id, name=user.display_name, channel="invite")


def grant(
    session: Session,
    actor: Actor,
    granter: StaffUser,
    user: StaffUser,
    community_id: int,
    role: Role,
    provider: str | None = None,
) -> StaffRole:
    if not may_grant(granter, community_id, role):
        raise AccountError("above_own_role")
    if role in roles_in(user, community_id):
        raise AccountError("already")
    record_of = provider_for(session, community_id, role, provider)
    added = StaffRole(
        community_id=community_id, role=role, provider_id=record_of.id if record_of is not None else None
    )
    user.roles.append(added)
    session.flush()
    record(session, actor, "staff.role_grant", "staff_user", user.id, community_id, role=role.value)
    return added


def revoke(
    session: Session, actor: Actor, granter: StaffUser, user: StaffUser, staff_role: StaffRole
) -> None:
    if staff_role.user is not user or not may_grant(granter, staff_role.community_id, staff_role.role):
        raise AccountError("above_own_role")
    if (
        staff_role.role == Role.ADMIN
        and user.is_active
        and active_admins(session, staff_role.community_id) <= 1
    ):
        raise AccountError("last_admin")
    community_id, role = staff_role.community_id, staff_role.role
    user.roles.remove(staff_role)
    user.session_version += 1  # what the sessions may do has changed: they sign in again
    session.flush()
    record(session, actor, "staff.role_revoke", "staff_user", user.id, community_id, role=role.value)


def _check_may_change(manager: StaffUser, user: StaffUser) -> None:
    if manager.id == user.id:
        raise AccountError("own_account")
    if not may_manage(manager, user):
        raise AccountError("above_own_role")


def _account_change(session: Session, actor: Actor, manager: StaffUser, user: StaffUser, action: str) -> None:
    _check_may_change(manager, user)
    for cid in audit_communities(session, user):
        record(session, actor, action, "staff_user", user.id, cid)


def set_active(session: Session, actor: Actor, manager: StaffUser, user: StaffUser, active: bool) -> None:
    """Disable (every session ends at once) or re-enable an account."""
    _check_may_change(manager, user)
    if user.is_active == active:
        raise AccountError("already")
    if not active:
        _keeps_an_admin(session, user, {r.community_id for r in user.roles})
    _account_change(session, actor, manager, user, "staff.enable" if active else "staff.disable")
    user.is_active = active
    user.session_version += 1
    session.flush()


def force_password_reset(session: Session, actor: Actor, manager: StaffUser, user: StaffUser) -> NewLink:
    """The old password stops working and every session ends; the owner sets a new one through the link."""
    _account_change(session, actor, manager, user, "staff.password_reset")
    user.password_hash = UNUSABLE_PASSWORD
    user.session_version += 1
    session.flush()
    return _new_link(
        session, StaffInvitation(kind=InvitationKind.RESET, staff_user_id=user.id, created_by_id=manager.id)
    )


def reset_totp(session: Session, actor: Actor, manager: StaffUser, user: StaffUser) -> None:
    """For a lost phone: the second factor is removed; the owner can set it up again."""
    _check_may_change(manager, user)
    if not user.totp_enabled and user.totp_cipher is None:
        raise AccountError("already")
    _account_change(session, actor, manager, user, "staff.totp_reset")
    disable_totp(session, user)
    user.session_version += 1


def staff_of(
    session: Session, community_ids: Iterable[int], region_ids: Iterable[int] = ()
) -> list[StaffUser]:
    """Everyone holding a role in these communities, or a district role in these regions, by name."""
    ids, regions = set(community_ids), set(region_ids)
    if not ids and not regions:
        return []
    return list(
        session.scalars(
            select(StaffUser)
            .where(
                or_(
                    StaffUser.id.in_(select(StaffRole.staff_user_id).where(StaffRole.community_id.in_(ids))),
                    StaffUser.id.in_(
                        select(StaffRegionRole.staff_user_id).where(StaffRegionRole.region_id.in_(regions))
                    ),
                )
            )
            .order_by(StaffUser.display_name, StaffUser.id)
        )
    )


def pending_invitations(session: Session, community_ids: Iterable[int]) -> list[StaffInvitation]:
    ids = set(community_ids)
    if not ids:
        return []
    return list(
        session.scalars(
            select(StaffInvitation)
            .where(
                StaffInvitation.community_id.in_(ids),
                StaffInvitation.kind == InvitationKind.INVITE,
                StaffInvitation.used_at.is_(None),
                StaffInvitation.expires_at > clock.now(),
            )
            .order_by(StaffInvitation.created_at.desc())
        )
    )
