"""Colleagues' accounts (issue 16 item 4), without HTTP: one-time invitations, roles per community, the
last-admin and no-escalation rules, disabling and resets ending sessions, every change audited."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.domain.identity import accounts
from webapp.domain.identity.accounts import AccountError
from webapp.domain.identity.staff import authenticate
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import AuditEntry, Community, Region, RegionLevel, Role, StaffUser

PASSWORD = "a-long-colleague-password"


@pytest.fixture
def admin(session, demo_community):
    return session.scalar(select(StaffUser).where(StaffUser.username == "admin"))


@pytest.fixture
def other_community(session):
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    other = Community(slug="meihua", region=street, names={"zh_Hans": "梅花社区"})
    session.add(other)
    session.commit()
    return other


def actions(session, user_id):
    return list(
        session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.subject_type == "staff_user", AuditEntry.subject_id == user_id
            )
        )
    )


def test_invitation_creates_an_account_once_with_the_chosen_role(session, admin, demo_community):
    link = accounts.invite(session, SYSTEM, admin, demo_community.id, Role.COMMUNITY_WORKER, "刘芳")
    assert link.url("https://linli.example").startswith("https://linli.example/staff/invite/")
    assert link.token not in link.invitation.token_hash  # only a hash is kept
    user = accounts.accept(session, link.token, "Liu.Fang", PASSWORD)
    assert user.username == "liu.fang"
    assert user.display_name == "刘芳"
    assert [(r.community_id, r.role) for r in user.roles] == [(demo_community.id, Role.COMMUNITY_WORKER)]
    assert authenticate(session, "liu.fang", PASSWORD) is user
    assert "staff.invite_accepted" in actions(session, user.id)
    with pytest.raises(AccountError) as used:
        accounts.accept(session, link.token, "someone.else", PASSWORD)
    assert used.value.reason == "invite_used"


def test_invitation_expires_after_72_hours(session, admin, demo_community, frozen):
    link = accounts.invite(session, SYSTEM, admin, demo_community.id, Role.VOLUNTEER, "李明明")
    frozen.advance(hours=71, minutes=59)
    assert accounts.open_link(session, link.token) is link.invitation
    frozen.advance(minutes=2)
    with pytest.raises(AccountError) as expired:
        accounts.accept(session, link.token, "li.mm", PASSWORD)
    assert expired.value.reason == "invite_expired"
    assert link.invitation.expires_at - link.invitation.created_at <= timedelta(hours=72, seconds=1)


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("admin", PASSWORD, "username_taken"),
        ("a b", PASSWORD, "username"),
        ("new.one", "short", "password_short"),
    ],
)
def test_bad_acceptance_leaves_the_link_usable(session, admin, demo_community, username, password, reason):
    link = accounts.invite(session, SYSTEM, admin, demo_community.id, Role.VOLUNTEER, "新同事")
    with pytest.raises(AccountError) as refused:
        accounts.accept(session, link.token, username, password)
    assert refused.value.reason == reason
    assert accounts.accept(session, link.token, "new.one", PASSWORD).username == "new.one"


def test_no_one_grants_a_role_above_their_own_or_outside_their_community(
    session, admin, demo_community, other_community, make_staff
):
    worker = make_staff("worker2", Role.COMMUNITY_WORKER)
    with pytest.raises(AccountError, match="above_own_role"):
        accounts.invite(session, SYSTEM, worker, demo_community.id, Role.VOLUNTEER, "x")
    with pytest.raises(AccountError, match="above_own_role"):
        accounts.invite(session, SYSTEM, admin, other_community.id, Role.VOLUNTEER, "x")
    with pytest.raises(AccountError, match="above_own_role"):
        accounts.grant(session, SYSTEM, worker, worker, demo_community.id, Role.ADMIN)
    assert accounts.may_grant(admin, demo_community.id, Role.ADMIN)


def test_the_last_admin_of_a_community_stays(session, demo_community, other_community, make_staff):
    lone = make_staff("lone.admin", Role.ADMIN, community=other_community)
    helper = make_staff("helper", Role.ADMIN, community=other_community)
    accounts.set_active(session, SYSTEM, lone, helper, False)  # two admins: one may go
    admin_role = lone.roles[0]
    with pytest.raises(AccountError, match="last_admin"):
        accounts.revoke(session, SYSTEM, lone, lone, admin_role)
    accounts.set_active(session, SYSTEM, lone, helper, True)
    with pytest.raises(AccountError, match="own_account"):
        accounts.set_active(session, SYSTEM, lone, lone, False)
    accounts.revoke(session, SYSTEM, helper, lone, admin_role)  # helper is admin too now: allowed
    assert lone.roles == []
    with pytest.raises(AccountError, match="last_admin"):
        accounts.revoke(session, SYSTEM, helper, helper, helper.roles[0])


def test_disable_and_resets_end_sessions_and_are_audited(session, admin, make_staff, demo_community):
    worker = make_staff("worker3", Role.COMMUNITY_WORKER)
    version = worker.session_version
    accounts.set_active(session, SYSTEM, admin, worker, False)
    assert worker.session_version > version
    assert authenticate(session, "worker3", "demo-password-for-tests") is None
    accounts.set_active(session, SYSTEM, admin, worker, True)
    link = accounts.force_password_reset(session, SYSTEM, admin, worker)
    assert authenticate(session, "worker3", "demo-password-for-tests") is None  # old password no longer works
    accounts.accept(session, link.token, "ignored", PASSWORD)
    assert authenticate(session, "worker3", PASSWORD) is worker
    assert actions(session, worker.id) == [
        "staff.disable",
        "staff.enable",
        "staff.password_reset",
        "staff.password_set",
    ]
    with pytest.raises(AccountError, match="already"):
        accounts.reset_totp(session, SYSTEM, admin, worker)


def test_an_admin_of_one_community_cannot_lock_out_an_admin_of_another(
    session, admin, other_community, make_staff
):
    theirs = make_staff("their.admin", Role.ADMIN, community=other_community)
    with pytest.raises(AccountError, match="above_own_role"):
        accounts.set_active(session, SYSTEM, admin, theirs, False)
    with pytest.raises(AccountError, match="above_own_role"):
        accounts.force_password_reset(session, SYSTEM, admin, theirs)
