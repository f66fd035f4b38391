"""Granting the district administrator role (issue 16 item 3): only by a district administrator whose region
reaches it, never above their own; the grid worker works tickets like a community worker and manages no one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from webapp.auth.policy import Permission, can
from webapp.domain.desk import queue as desk
from webapp.domain.identity import accounts
from webapp.domain.identity.accounts import AccountError
from webapp.domain.identity.roles import grant_region, grantable_regions, may_manage, revoke_region
from webapp.domain.identity.staff import create_staff
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import AuditEntry, Community, Region, RegionLevel, Role, StaffRegionRole, StaffUser, Ticket


def user(session, name: str) -> StaffUser:
    return session.scalar(select(StaffUser).where(StaffUser.username == name))


def test_a_district_admin_grants_their_region_or_below_never_above(session, demo_community):
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    district = session.scalar(select(Region).where(Region.level == RegionLevel.DISTRICT))
    boss = user(session, "district")  # district administrator of the street
    assert [r.id for r in grantable_regions(session, boss)] == [street.id]
    newcomer = create_staff(session, "newcomer", "新同事", "a-long-password-1")
    with pytest.raises(AccountError) as above:
        grant_region(session, SYSTEM, boss, newcomer, district.id)  # the district is above the street
    assert above.value.reason == "region"
    held = grant_region(session, SYSTEM, boss, newcomer, street.id)
    assert can(newcomer, Permission.MANAGE_COMMUNITIES, demo_community.id)
    with pytest.raises(AccountError):
        grant_region(session, SYSTEM, boss, newcomer, street.id)  # already
    admin = user(session, "admin")  # a community administrator: no district role to give
    with pytest.raises(AccountError) as community_admin:
        grant_region(session, SYSTEM, admin, user(session, "worker"), street.id)
    assert community_admin.value.reason == "region"
    assert not may_manage(admin, newcomer)  # nor may they lock a district administrator out
    with pytest.raises(AccountError) as own:
        revoke_region(session, SYSTEM, newcomer, newcomer, held)  # someone else takes it away
    assert own.value.reason == "own_account"
    revoke_region(session, SYSTEM, boss, newcomer, held)
    assert newcomer.region_roles == []


def test_a_grid_worker_works_the_community_tickets_and_manages_no_one(session, demo_community, make_staff):
    grid = make_staff("grid2", Role.GRID_WORKER)
    ticket = session.scalar(select(Ticket).where(Ticket.community_id == demo_community.id))
    assert desk.can_see(desk.scope_of(grid), ticket)
    assert can(grid, Permission.HANDLE_TICKETS, demo_community.id)
    assert not can(grid, Permission.MANAGE_STAFF)
    assert not can(grid, Permission.VIEW_RESIDENTS)
    assert not accounts.may_grant(grid, demo_community.id, Role.VOLUNTEER)
    admin = user(session, "admin")
    assert accounts.may_grant(admin, demo_community.id, Role.GRID_WORKER)
    worker = user(session, "worker")
    with pytest.raises(AccountError):
        accounts.invite(session, SYSTEM, worker, demo_community.id, Role.GRID_WORKER, "网格员")


def trail(session, user_id):
    return sorted(
        session.execute(
            select(AuditEntry.action, AuditEntry.community_id).where(
                AuditEntry.subject_type == "staff_user", AuditEntry.subject_id == user_id
            )
        ).all(),
        key=lambda row: (row[0], row[1] or 0),
    )


def test_every_change_to_a_district_administrators_account_is_audited(session, demo_community):
    """A district administrator holds no community role: each change is still in the trail, under the first
    community of their region (where a district administrator reads it), never lost."""
    import pyotp

    from tests.conftest import VAULT
    from webapp.domain.identity.staff import confirm_totp, start_totp
    from webapp.infra import clock

    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    first = session.scalar(
        select(Community.id).where(Community.region_id == street.id).order_by(Community.id).limit(1)
    )
    boss = user(session, "district")
    deputy = create_staff(session, "deputy", "副主任", "a-long-password-1")
    grant_region(session, SYSTEM, boss, deputy, street.id)
    accounts.set_active(session, SYSTEM, boss, deputy, False)
    accounts.set_active(session, SYSTEM, boss, deputy, True)
    link = accounts.force_password_reset(session, SYSTEM, boss, deputy)
    accounts.accept(session, link.token, "", "a-new-long-password-2")
    secret = pyotp.parse_uri(start_totp(session, VAULT, deputy)).secret
    assert confirm_totp(session, VAULT, deputy, pyotp.TOTP(secret).at(clock.now()))
    accounts.reset_totp(session, SYSTEM, boss, deputy)
    assert trail(session, deputy.id) == [
        ("staff.disable", first),
        ("staff.enable", first),
        ("staff.password_reset", first),
        ("staff.password_set", first),
        ("staff.region_grant", first),
        ("staff.totp_reset", first),
    ]


def test_a_district_administrator_of_a_street_without_communities_is_audited_under_none(session):
    district = session.scalar(select(Region).where(Region.level == RegionLevel.DISTRICT))
    empty = Region(
        parent=district, level=RegionLevel.STREET, code="empty-street", names={"zh_Hans": "新街道"}
    )
    session.add(empty)
    session.flush()
    head = create_staff(session, "head", "区主任", "a-long-password-1")
    head.region_roles.append(StaffRegionRole(region_id=district.id, role=Role.DISTRICT_ADMIN))
    session.flush()
    newcomer = create_staff(session, "newcomer2", "新主任", "a-long-password-1")
    grant_region(session, SYSTEM, head, newcomer, empty.id)
    accounts.set_active(session, SYSTEM, head, newcomer, False)
    assert trail(session, newcomer.id) == [("staff.disable", None), ("staff.region_grant", None)]
