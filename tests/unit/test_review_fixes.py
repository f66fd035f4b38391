"""Regression tests for problems found in review: helpers from other communities, hand-off after a visit,
decided deletions, non-ASCII digits, a new PIN ending phone sessions."""

import pytest
from sqlalchemy import select

from webapp.domain.identity.handoff import HandoffRefused, consume_handoff, create_handoff
from webapp.domain.identity.pins import set_pin
from webapp.domain.kiosk.badges import issue_badge
from webapp.domain.kiosk.visits import ScanRefused, end_visit, identify, start_with_resident
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.privacy.rights import (
    DeletionAlreadyDecided,
    cancel_deletion,
    confirm_deletion,
    request_deletion,
)
from webapp.infra.numbers import small_int
from webapp.models import Community, Kiosk, Region, RegionLevel, Role


def kiosk_of(session, community):
    return session.scalar(select(Kiosk).where(Kiosk.community_id == community.id))


def test_a_badge_from_another_community_cannot_start_assisted_mode(session, demo_community, make_staff):
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    other = Community(slug="far", region=street, names={"zh_Hans": "远方社区"})
    session.add(other)
    session.flush()
    outsider = make_staff("far-vol", Role.VOLUNTEER, community=other)
    token = issue_badge(session, SYSTEM, outsider)
    with pytest.raises(ScanRefused, match="other_community"):
        identify(session, kiosk_of(session, demo_community), f"https://x/b/{token}", None)
    local = make_staff("near-vol", Role.VOLUNTEER)
    visit = identify(
        session, kiosk_of(session, demo_community), f"https://x/b/{issue_badge(session, SYSTEM, local)}", None
    )
    assert visit.helper_id == local.id


def test_finishing_a_visit_expires_its_handoff_qr(session, demo_community, make_resident):
    person = make_resident("孙爷爷", age=90)
    kiosk = kiosk_of(session, demo_community)
    visit = start_with_resident(session, kiosk, person, None)
    token = create_handoff(session, SYSTEM, person, kiosk.id)
    end_visit(session, visit, "finish")
    session.commit()
    with pytest.raises(HandoffRefused):
        consume_handoff(session, token)


def test_a_deletion_is_decided_once(session, make_resident):
    person = make_resident("钱阿婆", age=80)
    request = request_deletion(session, SYSTEM, person, "phone")
    cancel_deletion(session, SYSTEM, request)
    with pytest.raises(DeletionAlreadyDecided):
        confirm_deletion(session, SYSTEM, request)
    assert person.erased_at is None


def test_a_new_pin_ends_phone_sessions(session, make_resident):
    person = make_resident("周阿姨", age=70)
    version = person.auth_version
    set_pin(session, SYSTEM, person, "482915")
    assert person.auth_version == version + 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("²", None),
        ("①", None),
        ("-3", None),
        ("", None),
        (None, None),
        ("99999999999", None),
        (" 7 ", 7),
    ],
)
def test_small_int(text, expected):
    assert small_int(text) == expected
