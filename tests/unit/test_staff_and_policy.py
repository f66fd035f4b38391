"""Staff accounts and the permission policy, without HTTP, and without the demo: each test builds the
community and staff it needs in an empty database (tests/factories.py)."""

import pytest
from sqlalchemy import select

from tests import factories
from tests.factories import PASSWORD
from webapp.auth.policy import Permission, can, community_ids
from webapp.domain.identity.passwords import MAX_PASSWORD_LENGTH, verify_password
from webapp.domain.identity.staff import authenticate, set_password
from webapp.models import Community, Region, RegionLevel, Role, StaffUser


@pytest.fixture
def session(blank_session):
    return blank_session


@pytest.fixture
def community(session) -> Community:
    return factories.community(session)


@pytest.fixture
def make_staff(session, community):
    def make(
        username: str, role: Role = Role.COMMUNITY_WORKER, community: Community = community
    ) -> StaffUser:
        user = factories.staff_user(session, community, role, username)
        session.commit()
        return user

    return make


def test_password_is_stored_as_argon2id(make_staff):
    user = make_staff("anna")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_authenticate(session, make_staff):
    make_staff("anna")
    assert authenticate(session, "ANNA ", PASSWORD) is not None
    assert authenticate(session, "anna", "wrong") is None
    assert authenticate(session, "nobody", PASSWORD) is None


def test_disabled_user_cannot_sign_in(session, make_staff):
    user = make_staff("anna")
    user.is_active = False
    session.commit()
    assert authenticate(session, "anna", PASSWORD) is None


def test_overlong_password_is_refused_before_hashing():
    assert verify_password(None, "x" * (MAX_PASSWORD_LENGTH + 1)) is False


def test_password_change_bumps_session_version(session, make_staff):
    user = make_staff("anna")
    version = user.session_version
    set_password(session, user, "another-long-password")
    assert user.session_version == version + 1


def test_roles_are_scoped_to_communities(session, make_staff, community):
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    other = Community(slug="other", region=street, names={"zh_Hans": "别的社区"})
    session.add(other)
    session.commit()
    worker = make_staff("w2", Role.COMMUNITY_WORKER, community=other)
    assert community_ids(worker, Permission.VIEW_COMMUNITY) == {other.id}
    assert not can(worker, Permission.VIEW_COMMUNITY, community.id)
    volunteer = make_staff("v2", Role.VOLUNTEER)
    assert can(volunteer, Permission.CONSOLE)
    assert not can(volunteer, Permission.VIEW_KIOSKS)
    volunteer.is_active = False
    assert not can(volunteer, Permission.CONSOLE)
