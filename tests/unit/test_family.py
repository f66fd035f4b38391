"""Family accounts (亲情账号) in the core: one-time QR links, SMS codes, scopes, and "on behalf of"."""

import base64
import json
import re

import pytest
from sqlalchemy import select

from tests.factories import VAULT
from webapp.domain.family import acts, links
from webapp.domain.family.links import MAX_LINKS, FamilyError
from webapp.domain.family.members import CodeOutcome, check_code, member_for_phone, send_code
from webapp.domain.messages import delivery
from webapp.domain.privacy.audit import SYSTEM, Actor
from webapp.domain.training import courses
from webapp.models import (
    AuditEntry,
    FamilyCode,
    FamilyLink,
    FamilyRelation,
    FamilyScope,
    Notification,
    OutboxMessage,
)

ALL = [s.value for s in FamilyScope]


def make_link(session, resident, scopes=ALL, relation=FamilyRelation.DAUGHTER):
    return links.create_link(
        session, Actor(type="resident", id=resident.id), resident, relation, scopes, "kiosk:1"
    )


def claimed(session, resident, phone="13800138000", scopes=ALL):
    link, _token = make_link(session, resident, scopes)
    member = member_for_phone(session, VAULT, phone)
    links.claim_link(session, link.id, member, "ip:test")
    return link, member


def test_a_qr_is_claimed_once_and_refused_in_words_when_reused_or_expired(session, make_resident, frozen):
    mother = make_resident("王秀英")
    link, token = make_link(session, mother)
    assert token not in link.token_hash  # only the hash is kept
    assert links.waiting_link(session, token).id == link.id
    daughter = member_for_phone(session, VAULT, "13800138000")
    links.claim_link(session, link.id, daughter, "ip:test")
    with pytest.raises(FamilyError) as used:
        links.waiting_link(session, token)
    assert used.value.reason == "used"
    son = member_for_phone(session, VAULT, "13900139000")
    with pytest.raises(FamilyError) as again:
        links.claim_link(session, link.id, son, "ip:test")
    assert again.value.reason == "used"

    late, late_token = make_link(session, mother, relation=FamilyRelation.SON)
    frozen.advance(minutes=11)
    with pytest.raises(FamilyError) as expired:
        links.waiting_link(session, late_token)
    assert expired.value.reason == "expired"
    with pytest.raises(FamilyError) as expired_claim:
        links.claim_link(session, late.id, son, "ip:test")
    assert expired_claim.value.reason == "expired"
    with pytest.raises(FamilyError) as unknown:
        links.waiting_link(session, "not-a-token")
    assert unknown.value.reason == "unknown"


def test_at_most_five_family_members_and_at_least_one_scope(session, make_resident):
    father = make_resident("李建国")
    with pytest.raises(FamilyError) as none:
        make_link(session, father, scopes=[])
    assert none.value.reason == "no_scope"
    for n in range(MAX_LINKS):
        claimed(session, father, phone=f"1380013800{n}")
    with pytest.raises(FamilyError) as full:
        make_link(session, father)
    assert full.value.reason == "too_many"
    first = links.active_links(session, father.id)[0]
    links.end_link(session, SYSTEM, first, "staff")
    make_link(session, father)  # an ended link frees its place


def test_scopes_are_checked_and_nobody_reaches_another_members_link(session, make_resident):
    mother = make_resident("王秀英")
    link, daughter = claimed(session, mother, scopes=[FamilyScope.CHECKINS.value])
    assert links.link_for(session, daughter.id, link.id, FamilyScope.CHECKINS).id == link.id
    with pytest.raises(FamilyError) as scope:
        links.link_for(session, daughter.id, link.id, FamilyScope.BOOKINGS)
    assert scope.value.reason == "scope"
    stranger = member_for_phone(session, VAULT, "13700137000")
    with pytest.raises(FamilyError) as other:
        links.link_for(session, stranger.id, link.id)
    assert other.value.reason == "not_linked"
    links.end_link(session, Actor(type="resident", id=mother.id), link, "resident")
    with pytest.raises(FamilyError) as ended:
        links.link_for(session, daughter.id, link.id)
    assert ended.value.reason == "not_linked"
    ends = session.scalars(select(AuditEntry).where(AuditEntry.action == "family.link_end")).all()
    assert [(e.actor_type, e.subject_id, e.detail) for e in ends] == [
        ("resident", link.id, {"by": "resident"})
    ]


def test_a_booking_by_a_daughter_is_audited_on_behalf_of_the_resident_and_told_to_her(session, make_resident):
    mother = make_resident("王秀英")
    link, daughter = claimed(session, mother)
    ts = next(t for t in courses.upcoming(session, mother.community_id) if courses.PLACES.is_open(t))
    acts.book_class(session, links.family_actor(link, "ip:test"), link, ts)
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.subject_type == "training_session", AuditEntry.subject_id == ts.id
        )
    ).all()[-1]
    assert (entry.actor_type, entry.actor_id, entry.actor_role, entry.on_behalf_of_id) == (
        "family",
        daughter.id,
        "daughter",
        mother.id,
    )
    news = session.scalars(select(Notification).where(Notification.resident_id == mother.id)).all()
    assert [(n.kind, n.detail) for n in news] == [("family", f"class:{link.id}:{ts.id}")]
    assert courses.mine(session, mother.id, [ts.id])  # the resident has the place


def test_the_sms_code_is_sealed_in_the_outbox_and_checked_with_tries(session, make_resident, demo_community):
    mother = make_resident("王秀英")
    daughter = member_for_phone(session, VAULT, "+86 138 0013 8000")
    assert daughter.phone_last4 == "8000"
    assert b"13800138000" not in daughter.phone_cipher
    send_code(session, VAULT, daughter, mother.community_id, "zh_Hans")
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_kind == "family")).one()
    ready = delivery.resolve(session, VAULT, row)
    assert ready.address == "13800138000"
    code = ready.secret_params["code"]
    assert re.fullmatch(r"\d{6}", code)
    assert code not in json.dumps(row.params)  # the row holds it sealed only
    assert base64.b64decode(row.params["code"])
    wrong = "000000" if code != "000000" else "111111"
    assert check_code(session, VAULT, daughter, wrong) is CodeOutcome.WRONG
    assert check_code(session, VAULT, daughter, code) is CodeOutcome.OK
    assert check_code(session, VAULT, daughter, code) is CodeOutcome.EXPIRED  # used once
    send_code(session, VAULT, daughter, mother.community_id, "zh_Hans")
    for _ in range(5):
        check_code(session, VAULT, daughter, wrong)
    newest = session.scalars(select(FamilyCode).order_by(FamilyCode.id.desc())).first()
    assert newest.tries == 5
    assert check_code(session, VAULT, daughter, wrong) is CodeOutcome.TRIES
    for _ in range(3):
        send_code(session, VAULT, daughter, mother.community_id, "zh_Hans")
    with pytest.raises(FamilyError) as flood:
        send_code(session, VAULT, daughter, mother.community_id, "zh_Hans")
    assert flood.value.reason == "codes_throttled"


def test_a_link_of_an_erased_resident_is_closed(session, make_resident):
    mother = make_resident("王秀英")
    link, daughter = claimed(session, mother)
    assert links.links_of_member(session, daughter.id) == [link]
    from webapp.infra import clock

    mother.erased_at = clock.now()
    session.flush()
    assert links.links_of_member(session, daughter.id) == []
    with pytest.raises(FamilyError):
        links.link_for(session, daughter.id, link.id)
    assert session.get(FamilyLink, link.id) is not None


def test_my_data_lists_family_links_masked_and_erasure_ends_them(session, make_resident):
    from webapp.domain.privacy.rights import export
    from webapp.domain.register.residents import erase

    mother = make_resident("王秀英")
    link, _daughter = claimed(session, mother, scopes=[FamilyScope.CHECKINS.value])
    mine = export(session, VAULT, mother)["family_links"]
    assert mine == [
        {
            "relation": "daughter",
            "mobile": "*******8000",
            "scopes": ["checkins"],
            "linked_at": link.claimed_at.isoformat(),
            "ended_at": None,
            "ended_by": None,
        }
    ]
    son_link, _son = claimed(session, mother, phone="13700139876", scopes=[FamilyScope.TICKETS.value])
    links.end_link(session, Actor(type="resident", id=mother.id), son_link, "resident")
    ended = export(session, VAULT, mother)["family_links"][1]
    assert (ended["ended_at"], ended["ended_by"]) == (
        son_link.ended_at.isoformat(),
        "resident",
    )  # and by whom
    erase(session, SYSTEM, mother)
    assert link.ended_by == "erased"
    assert link.ended_at is not None
