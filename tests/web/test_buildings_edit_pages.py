"""Buildings and flats edited one by one after the bulk description (issue 16 item 3): a building renamed or
removed, a flat's unit and room corrected or the flat removed; a place that residents' records or tickets
point to is never removed (said in words, a 409), bad input is explained with the form kept, all audited."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import csrf_token, kept_in_form, refused_in_words
from webapp.domain import has_control_characters
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.register.places import add_building, add_household
from webapp.infra.numbers import small_int
from webapp.models import AuditEntry, Building, Household, Resident, Ticket


def audited(session, action, subject_id):
    return session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == action, AuditEntry.subject_id == subject_id
        )
    )


def lived_in(session, demo_community) -> Household:
    """A demo flat with a resident registered in it."""
    return session.scalar(
        select(Household)
        .join(Building)
        .join(Resident, Resident.household_id == Household.id)
        .where(Building.community_id == demo_community.id)
        .limit(1)
    )


def empty_building(session, demo_community, number="88") -> Building:
    building = add_building(session, SYSTEM, demo_community.id, number)
    add_household(session, SYSTEM, building, "1", "101")
    add_household(session, SYSTEM, building, "1", "102")
    session.commit()
    return building


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/staff/buildings"), **data})


def test_a_building_is_renamed_and_named_by_its_number_again(client, auth, session, demo_community):
    auth.sign_in("worker")
    building = empty_building(session, demo_community)
    renamed = post(client, f"/staff/buildings/{building.id}/name", name="  桂花苑 A座 ")
    assert renamed.status_code == 303
    session.refresh(building)
    assert building.names == {"zh_Hans": "桂花苑 A座", "zh_Hant": "桂花苑 A座", "en": "Building 88"}
    assert "桂花苑 A座" in client.get(f"/staff/buildings?community={demo_community.id}").get_data(
        as_text=True
    )
    assert audited(session, "building.rename", building.id) == 1
    page = client.get(f"/staff/buildings/{building.id}").get_data(as_text=True)
    assert 'value="桂花苑 A座"' in page  # the form shows the office's own name
    assert post(client, f"/staff/buildings/{building.id}/name", name="").status_code == 303
    session.refresh(building)
    assert building.names["zh_Hans"] == "88幢"  # its number again


def test_a_bad_building_name_is_explained_with_the_form_kept(client, auth, session, demo_community):
    auth.sign_in("worker")
    building = empty_building(session, demo_community)
    for typed, words in (("楼" * 33, "内容太长了"), ("A座\x07", "请用最多 32 个字写名称")):
        refused = post(client, f"/staff/buildings/{building.id}/name", name=typed)
        assert refused.status_code == 400
        assert words in refused.get_data(as_text=True)
        session.refresh(building)
        assert building.names["zh_Hans"] == "88幢"
    client.set_cookie("linli_locale", "en")
    refused = post(client, f"/staff/buildings/{building.id}/name", name="A\x00座")
    assert refused.status_code == 400
    assert "at most 32 letters" in refused.get_data(as_text=True)
    assert 'value="A' in refused.get_data(as_text=True)  # what was typed stays in the form


def test_an_empty_building_is_removed_with_its_flats(client, auth, session, demo_community):
    auth.sign_in("worker")
    building = empty_building(session, demo_community)
    building_id = building.id
    removed = post(client, f"/staff/buildings/{building_id}/remove")
    assert removed.status_code == 303
    session.expire_all()
    assert session.get(Building, building_id) is None
    assert session.scalar(select(func.count(Household.id)).where(Household.building_id == building_id)) == 0
    assert "88幢已删除" in client.get(removed.headers["Location"]).get_data(as_text=True)
    assert audited(session, "building.remove", building_id) == 1


def test_a_building_residents_live_in_stays_and_says_why(client, auth, session, demo_community):
    auth.sign_in("worker")
    flat = lived_in(session, demo_community)
    refused = post(client, f"/staff/buildings/{flat.building_id}/remove")
    assert refused.status_code == 409
    assert "无法删除" in refused.get_data(as_text=True)
    assert "居民记录" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Building, flat.building_id) is not None
    assert audited(session, "building.remove", flat.building_id) == 0


def test_a_building_a_ticket_names_stays_and_says_why(client, auth, session, demo_community):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    building = empty_building(session, demo_community)
    ticket = session.scalar(select(Ticket).where(Ticket.community_id == demo_community.id).limit(1))
    ticket.building_id = building.id  # a ticket about the building's common area
    session.commit()
    refused = post(client, f"/staff/buildings/{building.id}/remove")
    assert refused.status_code == 409
    assert "tickets were made about it and keep it as their address (1)" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Building, building.id) is not None


def test_a_flat_is_corrected_and_its_residents_stay(client, auth, session, demo_community):
    auth.sign_in("worker")
    flat = lived_in(session, demo_community)
    people = set(session.scalars(select(Resident.id).where(Resident.household_id == flat.id)))
    page = client.get(f"/staff/households/{flat.id}")
    assert page.status_code == 200
    assert f'value="{flat.room}"' in page.get_data(as_text=True)
    moved = post(client, f"/staff/households/{flat.id}", unit="9", room="909")
    assert moved.status_code == 303
    session.refresh(flat)
    assert (flat.unit, flat.room, flat.label) == (9, "909", f"{flat.building.number}-9-909")
    assert set(session.scalars(select(Resident.id).where(Resident.household_id == flat.id))) == people
    assert audited(session, "household.edit", flat.id) == 1


def test_a_bad_or_taken_flat_number_is_explained_with_the_form_kept(client, auth, session, demo_community):
    auth.sign_in("worker")
    building = empty_building(session, demo_community)
    first, second = building.households
    taken = post(client, f"/staff/households/{second.id}", unit="1", room=first.room)
    assert taken.status_code == 400
    assert "已经存在" in taken.get_data(as_text=True)
    bad = post(client, f"/staff/households/{second.id}", unit="一", room="5-01")
    assert bad.status_code == 400
    assert "请填写整数" in bad.get_data(as_text=True)
    assert 'value="5-01"' in bad.get_data(as_text=True)
    session.refresh(second)
    assert second.label == "88-1-102"


def test_a_flat_is_removed_only_when_nothing_points_to_it(client, auth, session, demo_community):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("worker")
    flat = lived_in(session, demo_community)
    refused = post(client, f"/staff/households/{flat.id}/remove")
    assert refused.status_code == 409
    assert "residents&#39; records give this address" in refused.get_data(as_text=True)
    building = empty_building(session, demo_community)
    spare = building.households[0]
    spare_id = spare.id
    removed = post(client, f"/staff/households/{spare_id}/remove")
    assert removed.status_code == 303
    session.expire_all()
    assert session.get(Household, spare_id) is None
    assert session.get(Household, flat.id) is not None
    assert audited(session, "household.remove", spare_id) == 1


def test_places_of_other_communities_and_other_roles_are_out_of_reach(
    client, auth, session, demo_community, make_staff
):
    from webapp.models import Community, Role

    other = Community(slug="meihua", region_id=demo_community.region_id, names={"zh_Hans": "梅花社区"})
    session.add(other)
    session.flush()
    make_staff("their.worker", Role.COMMUNITY_WORKER, community=other)
    flat = lived_in(session, demo_community)
    building = empty_building(session, demo_community)
    auth.sign_in("their.worker")
    for url in (f"/staff/buildings/{building.id}", f"/staff/households/{flat.id}"):
        assert client.get(url).status_code == 404
    for url in (
        f"/staff/buildings/{building.id}/name",
        f"/staff/buildings/{building.id}/remove",
        f"/staff/households/{flat.id}",
        f"/staff/households/{flat.id}/remove",
    ):
        assert post(client, url, name="x", unit="1", room="1").status_code == 404
    auth.sign_out()
    auth.sign_in("volunteer")
    assert client.get(f"/staff/households/{flat.id}").status_code == 403
    assert post(client, f"/staff/buildings/{building.id}/remove").status_code == 403
    session.expire_all()
    assert session.get(Building, building.id) is not None
    assert session.get(Household, flat.id).label == flat.label


def place_controls(client, session, building, flat):
    """Valid values through the fuzz's own client, sign-in and CSRF path, each with its exact outcome: the
    fuzz's answers below come from the views, not from a refusal in front of them."""
    renamed = post(client, f"/staff/buildings/{building.id}/name", name="  控制 楼 ")
    assert renamed.status_code == 303, renamed.status_code
    assert renamed.headers["Location"] == f"/staff/buildings/{building.id}"
    session.refresh(building)
    assert building.names["zh_Hans"] == "控制 楼"
    moved = post(client, f"/staff/households/{flat.id}", unit="7", room=" 707 ")
    assert moved.status_code == 303, moved.status_code
    assert moved.headers["Location"] == f"/staff/buildings/{building.id}"
    session.refresh(flat)
    assert (flat.unit, flat.room, flat.label) == (7, "707", f"{building.number}-7-707")
    added = post(client, f"/staff/buildings/{building.id}", unit="7", room="708")
    assert added.status_code == 303, added.status_code
    assert session.scalar(
        select(func.count(Household.id)).where(
            Household.building_id == building.id, Household.label == f"{building.number}-7-708"
        )
    )


def flats_of(session, building) -> list[tuple[int, int, str]]:
    rows = session.execute(
        select(Household.id, Household.unit, Household.room).where(Household.building_id == building.id)
    )
    return sorted(tuple(row) for row in rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=60), unit=st.text(max_size=6), room=st.text(max_size=12))
def test_fuzz_the_place_forms_never_fail(client, auth, session, demo_community, name, unit, room):
    building = session.scalar(select(Building).where(Building.community_id == demo_community.id).limit(1))
    flat = building.households[0]
    if client.get("/staff/sign-in").status_code == 200:  # the first example: the client stays signed in
        auth.sign_in("worker")
        place_controls(client, session, building, flat)

    # The name: its answer follows from what was typed (at most 32 letters, no control character).
    names_before = dict(building.names)
    renamed = post(client, f"/staff/buildings/{building.id}/name", name=name)
    session.refresh(building)
    label = " ".join(name.split())
    if len(name) <= 32 and not has_control_characters(label):
        assert renamed.status_code == 303, (name, renamed.status_code)
        assert building.names["zh_Hans"] == (label or f"{building.number}幢")
    else:
        assert renamed.status_code == 400, (name, renamed.status_code)
        assert refused_in_words(renamed), name
        assert building.names == names_before
        if name.isprintable():
            assert kept_in_form(renamed, name), name

    # A flat corrected, and a flat added: saved as typed (stripped), or refused in words with nothing changed.
    for url, own in ((f"/staff/households/{flat.id}", flat.id), (f"/staff/buildings/{building.id}", None)):
        before = flats_of(session, building)
        answer = post(client, url, unit=unit, room=room)
        session.expire_all()
        after = flats_of(session, building)
        if answer.status_code == 303:
            assert answer.headers["Location"] == f"/staff/buildings/{building.id}"
            wanted = (small_int(unit, 999), room.strip())
            if own is None:
                assert len(after) == len(before) + 1
                assert [f for f in after if f not in before][0][1:] == wanted
            else:
                assert next(f for f in after if f[0] == own)[1:] == wanted
        else:
            assert answer.status_code == 400, (url, unit, room, answer.status_code)
            assert refused_in_words(answer), (url, unit, room)
            assert after == before
            if room.strip() and room.isprintable():
                assert kept_in_form(answer, room), (url, room)


def test_the_place_pages_read_no_place_while_rendering(app, client, auth, session, demo_community):
    from tests.web.test_render_reads_nothing import reads_while_rendering

    auth.sign_in("worker")
    flat = lived_in(session, demo_community)
    with reads_while_rendering(app) as reads:
        building = client.get(f"/staff/buildings/{flat.building_id}").get_data(as_text=True)
        household = client.get(f"/staff/households/{flat.id}").get_data(as_text=True)
    # The console's layout counts the open work for its bar as it renders (every console page does); the
    # pages' own content (flats, residents counted, the building's name) was read by the views.
    assert not [r for r in reads if any(t in r for t in ("household", "resident", "building"))], reads
    assert f"{flat.label}</a> (" in building  # each flat with its residents counted by the view
    assert "此处登记的居民" in household
