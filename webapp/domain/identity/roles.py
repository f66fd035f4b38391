"""Who may hand which role to whom: ranks per community, the district administrator per region, and the
provider record a service provider role names.

No one grants (or takes away, or acts on an account holding) a role above their own; a district
administrator grants the district role only for their own region or a region below it, never above.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.domain import DomainError, has_control_characters
from webapp.domain.identity.reach import district_community_ids, region_ids_under
from webapp.domain.privacy.audit import Actor, record
from webapp.models import Community, Region, Role, ServiceProvider, StaffRegionRole, StaffRole, StaffUser

# How much a role may do; a person may grant a role only up to their own rank in that community.
ROLE_RANK: dict[Role, int] = {
    Role.DISTRICT_ADMIN: 4,
    Role.ADMIN: 3,
    Role.COMMUNITY_WORKER: 2,
    Role.GRID_WORKER: 2,
    Role.PROPERTY_MANAGER: 1,
    Role.SERVICE_PROVIDER: 1,
    Role.VOLUNTEER: 1,
}


class AccountError(DomainError):
    code = "account"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        # "username", "username_taken", "password_short", "password_long", "name", "provider",
        # "above_own_role", "last_admin", "own_account", "already", "invite_unknown", "invite_used",
        # "invite_expired", "region"
        self.reason = reason


def rank_in(user: StaffUser, community_id: int) -> int:
    """The highest rank *user* holds in a community (0: none, or the account is disabled)."""
    if not user.is_active:
        return 0
    if user.region_roles and community_id in district_community_ids(user):
        return ROLE_RANK[Role.DISTRICT_ADMIN]
    return max((ROLE_RANK[r.role] for r in user.roles if r.community_id == community_id), default=0)


def may_grant(granter: StaffUser, community_id: int, role: Role) -> bool:
    """Only an administrator of the community (or its district) manages its staff, never above their own
    rank, and a district role is never given per community."""
    if role == Role.DISTRICT_ADMIN:
        return False
    return rank_in(granter, community_id) >= max(ROLE_RANK[role], ROLE_RANK[Role.ADMIN])


def roles_in(user: StaffUser, community_id: int) -> list[Role]:
    return [r.role for r in user.roles if r.community_id == community_id]


def may_manage(manager: StaffUser, target: StaffUser) -> bool:
    """Account-wide changes (disable, resets) need the manager to outrank or equal the target in every
    community the target works in: an administrator of one community cannot lock out another's. A district
    administrator is managed only by one whose region reaches all of theirs."""
    communities = {r.community_id for r in target.roles}
    if target.region_roles and not all(may_grant_region(manager, rr.region_id) for rr in target.region_roles):
        return False
    if not communities:
        return bool(target.region_roles)
    return all(
        may_grant(manager, cid, max(roles_in(target, cid), key=ROLE_RANK.__getitem__)) for cid in communities
    )


def active_admins(session: Session, community_id: int) -> int:
    return (
        session.scalar(
            select(func.count(StaffRole.id))
            .join(StaffUser)
            .where(
                StaffRole.community_id == community_id,
                StaffRole.role == Role.ADMIN,
                StaffUser.is_active.is_(True),
            )
        )
        or 0
    )


def provider_for(session: Session, community_id: int, role: Role, name: str | None) -> ServiceProvider | None:
    """The provider record a service provider role names (by its name in that community); other roles
    name none. An unknown name is refused: a role pointing at no record would see nothing."""
    name = " ".join((name or "").split())
    if role != Role.SERVICE_PROVIDER:
        return None
    if not name or has_control_characters(name):
        raise AccountError("provider")
    found = session.scalar(
        select(ServiceProvider).where(
            ServiceProvider.community_id == community_id, ServiceProvider.name == name
        )
    )
    if found is None:
        raise AccountError("provider")
    return found


def grantable_regions(session: Session, granter: StaffUser) -> list[Region]:
    """The regions in which *granter* may make someone district administrator: their own and those below."""
    if not granter.is_active or not granter.region_roles:
        return []
    ids = region_ids_under(session, {r.region_id for r in granter.region_roles})
    return list(session.scalars(select(Region).where(Region.id.in_(ids)).order_by(Region.id)))


def may_grant_region(granter: StaffUser, region_id: int) -> bool:
    from sqlalchemy.orm import object_session

    session = object_session(granter)
    return session is not None and any(r.id == region_id for r in grantable_regions(session, granter))


def _region_communities(session: Session, region_id: int) -> list[int]:
    regions = region_ids_under(session, {region_id})
    return list(
        session.scalars(select(Community.id).where(Community.region_id.in_(regions)).order_by(Community.id))
    )


def audit_communities(session: Session, user: StaffUser) -> list[int | None]:
    """Where a change to *user*'s account is audited (the trail is read per community): each community
    they hold a role in, and for each region role the region's first community (as a region grant is);
    with neither (a district administrator of a region with no community yet, or no role at all), once
    with no community, so no change goes unrecorded."""
    found: set[int] = {r.community_id for r in user.roles}
    for held in user.region_roles:
        first = next(iter(_region_communities(session, held.region_id)), None)
        if first is not None:
            found.add(first)
    return [*sorted(found)] or [None]


def grant_region(
    session: Session, actor: Actor, granter: StaffUser | None, user: StaffUser, region_id: int
) -> StaffRegionRole:
    """Make *user* district administrator of a region reached by *granter*'s own (never above it).

    *granter* None is the installation itself, before anyone holds a role (the demo's street office): only
    code run on the server passes it; every face passes the person acting."""
    if granter is not None and not may_grant_region(granter, region_id):
        raise AccountError("region")
    if any(r.region_id == region_id for r in user.region_roles):
        raise AccountError("already")
    added = StaffRegionRole(region_id=region_id, role=Role.DISTRICT_ADMIN)
    user.region_roles.append(added)
    session.flush()
    # Audited under the region's first community (the trail is read per community), or none yet.
    first = next(iter(_region_communities(session, region_id)), None)
    record(session, actor, "staff.region_grant", "staff_user", user.id, first, region_id=region_id)
    return added


def revoke_region(
    session: Session, actor: Actor, granter: StaffUser, user: StaffUser, role: StaffRegionRole
) -> None:
    """Take a district role away; never one's own (someone above does that), never above one's reach."""
    if role.user is not user or not may_grant_region(granter, role.region_id):
        raise AccountError("region")
    if granter.id == user.id:
        raise AccountError("own_account")
    region_id = role.region_id
    user.region_roles.remove(role)
    user.session_version += 1
    session.flush()
    # Audited under the region's first community (the trail is read per community), or none yet.
    first = next(iter(_region_communities(session, region_id)), None)
    record(session, actor, "staff.region_revoke", "staff_user", user.id, first, region_id=region_id)
