"""Community isolation: every staff route that names an object, tried from another community, is refused and audited."""

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from webapp.domain.identity.api_keys import make_key
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import (
    AuditEntry,
    Building,
    Community,
    DeletionRequest,
    Kiosk,
    Region,
    RegionLevel,
    Resident,
    Role,
    ServiceProvider,
    ServiceType,
    Slot,
    StaffRegionRole,
    StaffUser,
    Ticket,
)

SAMPLE_VALUES = {"kind": "lives_alone", "token": "x", "action": "notes"}


@pytest.fixture
def outsider(client, auth, make_staff, session):
    street = session.scalar(select(Region).where(Region.level == RegionLevel.STREET))
    other = Community(slug="meihua", region=street, names={"zh_Hans": "梅花社区"})
    session.add(other)
    session.commit()
    make_staff("outsider", Role.ADMIN, community=other)  # an administrator, but of another community
    auth.sign_in("outsider")
    return other


def object_ids(session, demo_community):
    resident = session.scalar(select(Resident).where(Resident.community_id == demo_community.id))
    building = session.scalar(select(Building).where(Building.community_id == demo_community.id))
    deletion = DeletionRequest(resident_id=resident.id, channel="test")
    session.add(deletion)
    session.commit()
    kiosk = session.scalar(select(Kiosk).where(Kiosk.community_id == demo_community.id))
    ticket = session.scalar(select(Ticket).where(Ticket.community_id == demo_community.id))
    slot = session.scalar(select(Slot).join(ServiceType).where(ServiceType.community_id == demo_community.id))
    worker = session.scalar(select(StaffUser).where(StaffUser.username == "worker"))
    from webapp.models import ChannelSetting

    channel = session.scalar(
        select(ChannelSetting.id).where(ChannelSetting.community_id == demo_community.id)
    )
    api_key = make_key(session, SYSTEM, "dashboard", ["tickets:read"], community_id=demo_community.id).key
    from webapp.domain.family.links import create_link
    from webapp.models import FamilyRelation

    family_link, _token = create_link(session, SYSTEM, resident, FamilyRelation.SON, ["checkins"], "cli")
    session.commit()
    return {
        "channel_id": channel,
        "key_id": api_key.id,
        "user_id": worker.id,
        "community_id": demo_community.id,
        "role_id": worker.roles[0].id,
        "ticket_id": ticket.id,
        "service_id": slot.service_type_id,
        "slot_id": slot.id,
        "resident_id": resident.id,
        "building_id": building.id,
        "household_id": building.households[0].id,
        "request_id": deletion.id,
        "kiosk_id": kiosk.id,
        "link_id": family_link.id,
        "message_id": outbox_id(session, demo_community),
        "region_role_id": session.scalar(select(StaffRegionRole.id)),
        "provider_id": session.scalar(
            select(ServiceProvider.id).where(ServiceProvider.community_id == demo_community.id)
        ),
        **training_ids(session, demo_community),
        **life_ids(session, demo_community),
        **webhook_ids(session, demo_community),
        **safety_ids(session, demo_community, resident),
    }


def webhook_ids(session, demo_community):
    """A webhook of the demo community and one delivery of an event to it (the log's "replay")."""
    from tests.conftest import VAULT
    from webapp.domain.webhooks.events import emit
    from webapp.domain.webhooks.hooks import register
    from webapp.models import WebhookDelivery

    hook = register(
        session,
        SYSTEM,
        VAULT,
        demo_community.id,
        "dashboard",
        "https://dashboard.example.org/linli",
        ["help_call.raised"],
        scopes=["tickets:read"],
    ).webhook
    emit(session, demo_community.id, "help_call.raised", {"kiosk": "lobby"})
    session.commit()
    return {"webhook_id": hook.id, "delivery_id": session.scalar(select(WebhookDelivery.id))}


def safety_ids(session, demo_community, resident):
    """A roster line (the demo seeds them), an emergency contact and a help call of the demo community."""
    from tests.conftest import VAULT
    from webapp.domain.privacy.audit import SYSTEM
    from webapp.domain.safety.calls import raise_call
    from webapp.domain.safety.contacts import add_contact
    from webapp.models import DutyEntry

    contact = add_contact(session, VAULT, SYSTEM, resident, "李红", "女儿", "13900001234")
    call = raise_call(
        session, VAULT, SYSTEM, demo_community, "phone", "https://linli.test", resident=resident
    )
    session.commit()
    line = session.scalar(select(DutyEntry.id).where(DutyEntry.community_id == demo_community.id))
    return {"contact_id": contact.id, "line_id": line, "call_id": call.id}


def outbox_id(session, demo_community):
    """A message of the demo community's outbox (the deliveries page's "send again")."""
    from webapp.domain.messages.outbox import Recipient, add

    (row,) = add(
        session, demo_community.id, Recipient("group", None, "zh_Hans"), ["dingtalk"], "escalated", {}
    )
    session.commit()
    return row.id


def life_ids(session, demo_community):
    from webapp.models import (
        Event,
        HourClaim,
        LocalService,
        Notice,
        NoticeTemplate,
        TimeAccount,
        TimeAccountKind,
    )

    cid = demo_community.id
    return {
        "notice_id": session.scalar(select(Notice.id).where(Notice.community_id == cid)),
        "template_id": session.scalar(select(NoticeTemplate.id).where(NoticeTemplate.community_id == cid)),
        "entry_id": session.scalar(select(LocalService.id).where(LocalService.community_id == cid)),
        "event_id": session.scalar(select(Event.id).where(Event.community_id == cid)),
        "account_id": session.scalar(
            select(TimeAccount.id).where(
                TimeAccount.community_id == cid, TimeAccount.kind == TimeAccountKind.PERSON
            )
        ),
        "claim_id": session.scalar(select(HourClaim.id).where(HourClaim.community_id == cid)),
    }


def training_ids(session, demo_community):
    """A course, a class and a certificate of the demo community (the demo seeds them)."""
    from webapp.models import Certificate, Course, TrainingSession

    course = session.scalar(select(Course).where(Course.community_id == demo_community.id))
    ts = session.scalar(select(TrainingSession).where(TrainingSession.community_id == demo_community.id))
    cert = session.scalar(select(Certificate).where(Certificate.community_id == demo_community.id))
    return {"course_id": course.id, "class_id": ts.id, "certificate_id": cert.id}


DISTRICT_ONLY = {"staff.community_detail", "staff.community_archive"}  # MANAGE_COMMUNITIES: district admins


def staff_object_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        # The invitation link is for someone not yet signed in, with a token instead of an object id.
        if rule.rule.startswith("/staff") and rule.arguments and rule.endpoint != "auth.accept_invite":
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                rules.append((rule, method))
    return rules


def test_every_staff_object_route_refuses_other_communities(app, client, outsider, session, demo_community):
    ids = object_ids(session, demo_community)
    rules = staff_object_rules(app)
    assert len(rules) >= 10  # resident pages, cards, PIN unlock, consents, buildings, deletions
    token = csrf_token(client, "/staff/")
    for rule, method in rules:
        values = {name: ids.get(name, SAMPLE_VALUES.get(name)) for name in rule.arguments}
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, v=values: str(v[m.group(1)]), rule.rule)
        before = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "access.denied"))
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        # Not found there; except where the outsider's role may not open such a page anywhere (a community's
        # record is a district administrator's): that is a 403, as for any role without the permission.
        expected = 403 if rule.endpoint in DISTRICT_ONLY else 404
        assert response.status_code == expected, f"{method} {url} answered {response.status_code}"
        session.expire_all()
        after = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "access.denied"))
        assert after == before + 1, f"{method} {url} was not audited"
    # Nothing of the other community was changed.
    resident = session.get(Resident, ids["resident_id"])
    session.refresh(resident)
    assert resident.erased_at is None
    assert resident.moved_out_at is None


def test_lists_show_only_own_community(client, outsider, session, demo_community):
    page = client.get("/staff/residents").get_data(as_text=True)
    some_name = session.scalar(select(Resident.name).where(Resident.community_id == demo_community.id))
    assert some_name not in page
    assert "找到 0 位" in client.get(f"/staff/residents?q={some_name}").get_data(as_text=True)


def test_roles_without_permission_get_403_and_are_audited(client, auth, make_staff, session, demo_community):
    make_staff("vol", Role.VOLUNTEER)
    auth.sign_in("vol")
    resident_id = session.scalar(select(Resident.id).where(Resident.community_id == demo_community.id))
    for url in ("/staff/residents", f"/staff/residents/{resident_id}", "/staff/audit", "/staff/cards"):
        assert client.get(url).status_code == 403, url
    count = session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "access.denied", AuditEntry.actor_name == "Tester vol"
        )
    )
    assert count == 4
