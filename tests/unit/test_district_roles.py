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
from webapp.models import Region, RegionLevel, Role, StaffUser, Ticket


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
