"""Service providers as records of their own (issue 16 item 5): who may open their pages (enumerated from the
URL map, across communities and regions), bad input kept with a message, the phone sealed, and routing of
tickets following the record."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import DEMO_PASSWORD, csrf_token, once_per_test, refused_in_words
from webapp.domain.desk import queue as desk
from webapp.domain.desk.tickets import submit
from webapp.domain.identity.staff import create_staff
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import (
    AuditEntry,
    Community,
    Handler,
    Region,
    RegionLevel,
    Role,
    ServiceProvider,
    ServiceType,
    StaffRegionRole,
    StaffRole,
    StaffUser,
)


@pytest.fixture
def admin_client(client, auth):
    auth.sign_in("admin")
    return client


def provider_routes(app):
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("staff.provider")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    )


def providers_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(ServiceProvider.id)))


def clinic(session) -> ServiceProvider:
    return session.scalar(select(ServiceProvider).where(ServiceProvider.name == "翠苑社区卫生服务站"))


def visit(client, token, rule, method, provider_id):
    url = rule.replace("<int:provider_id>", str(provider_id))
    if method == "GET":
        return url, client.get(url)
    return url, client.post(url, data={"csrf_token": token})


@pytest.fixture
def far_region(session, demo_community):
    """Another street office with its own community and district administrator."""
    district = session.scalar(select(Region).where(Region.level == RegionLevel.DISTRICT))
    street = Region(parent=district, level=RegionLevel.STREET, code="far-street", names={"zh_Hans": "远街道"})
    community = Community(slug="yuan", region=street, names={"zh_Hans": "远方社区"})
    session.add_all([street, community])
    session.flush()
    far = create_staff(session, "far", "Tester far", DEMO_PASSWORD)
    far.region_roles.append(StaffRegionRole(region_id=street.id, role=Role.DISTRICT_ADMIN))
    session.commit()
    return community


@pytest.mark.parametrize(
    "role",
    [Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.PROPERTY_MANAGER, Role.SERVICE_PROVIDER, Role.VOLUNTEER],
)
def test_only_administrators_open_provider_pages(app, client, auth, make_staff, session, role):
    make_staff("someone", role)
    auth.sign_in("someone")
    token = csrf_token(client, "/staff/security")
    routes = provider_routes(app)
    assert len(routes) >= 5  # list, add, detail, edit, phone
    for rule, method in routes:
        url, response = visit(client, token, rule, method, clinic(session).id)
        assert response.status_code == 403, f"{role} {method} {url}"


@pytest.mark.parametrize("who", ["admin", "district"])
def test_the_office_and_its_district_open_every_provider_page(app, client, auth, session, who):
    auth.sign_in(who)
    token = csrf_token(client, "/staff/providers")
    for rule, method in provider_routes(app):
        url, response = visit(client, token, rule, method, clinic(session).id)
        # A page, and the phone shown, answer 200; a form sent empty is refused in words (its name is missing).
        if method == "GET" or url.endswith("/phone"):
            assert response.status_code == 200, f"{method} {url}"
        else:
            assert response.status_code == 400, f"{method} {url}"
            assert refused_in_words(response), f"{method} {url}"
    page = client.get("/staff/providers").get_data(as_text=True)
    assert "翠苑社区卫生服务站" in page
    assert "孙医生" not in page or "*" in page  # the contact's phone shows masked
    # The control: a valid edit through the same client, sign-in and token is saved (303, and the record).
    own = clinic(session)
    saved = client.post(
        f"/staff/providers/{own.id}",
        data={"csrf_token": token, "name": own.name, "kind": own.kind.value, "contact_name": "控制 医生"},
    )
    assert saved.status_code == 303, saved.status_code
    assert saved.headers["Location"] == f"/staff/providers/{own.id}"
    session.refresh(own)
    assert own.contact_name == "控制 医生"


def test_other_regions_and_communities_neither_see_nor_change_them(app, client, auth, session, far_region):
    auth.sign_in("far")  # a district administrator, of another street
    token = csrf_token(client, "/staff/providers")
    listing = client.get("/staff/providers").get_data(as_text=True)
    assert "远方社区" in listing
    assert "翠苑社区卫生服务站" not in listing
    target = clinic(session)
    for rule, method in provider_routes(app):
        if "<int:provider_id>" not in rule:
            continue
        url, response = visit(client, token, rule, method, target.id)
        assert response.status_code == 404, f"{method} {url}"
    denied = session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "access.denied", AuditEntry.actor_name == "Tester far"
        )
    )
    assert denied >= 3
    session.refresh(target)
    assert target.name == "翠苑社区卫生服务站"


def add(client, **fields):
    token = csrf_token(client, "/staff/providers")
    data = {"csrf_token": token, "name": "", "kind": "repair", "contact_name": "", "phone": "", **fields}
    types = data.pop("service_type", [])
    return client.post("/staff/providers", data={**data, "service_type": types})


def test_bad_input_is_said_in_words_and_the_form_is_kept(client, auth, session):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    duplicate = add(client, name="翠苑社区卫生服务站", contact_name="刘师傅")
    assert duplicate.status_code == 400
    text = duplicate.get_data(as_text=True)
    assert "already has a provider of that name" in text
    assert 'value="刘师傅"' in text
    unknown = add(client, name="快修队", service_type=["99999999"])
    assert unknown.status_code == 400
    assert "choose among this community" in unknown.get_data(as_text=True)
    phone = add(client, name="快修队", phone="call me")
    assert phone.status_code == 400
    assert "5 to 20 digits" in phone.get_data(as_text=True)
    kind = add(client, name="快修队", kind="spaceship")
    assert kind.status_code == 400
    assert session.scalar(select(ServiceProvider).where(ServiceProvider.name == "快修队")) is None


def test_a_provider_is_added_with_a_sealed_phone_and_takes_the_routed_tickets(
    client, auth, session, demo_community, make_resident, make_staff
):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    suggestion = session.scalar(select(ServiceType).where(ServiceType.code == "suggestion"))
    lift = session.scalar(select(ServiceType).where(ServiceType.code == "repair-lift"))
    added = add(
        client,
        name="快修队",
        kind="repair",
        contact_name="刘师傅",
        phone="0571-8888 1234",
        service_type=[str(suggestion.id), str(lift.id)],
    )
    assert added.status_code == 303
    team = session.scalar(select(ServiceProvider).where(ServiceProvider.name == "快修队"))
    assert team.phone_last4 == "1234"
    assert b"88881234" not in (team.phone_cipher or b"")  # sealed, not in clear
    page = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "*******1234" in page
    assert "05718881234" not in page
    session.expire_all()
    assert suggestion.provider_id == team.id
    assert suggestion.handler == Handler.PROVIDER
    assert lift.provider_id == team.id

    # A member of the team (a service provider role naming the record) sees its new tickets, and only those.
    member = make_staff("fixer", Role.SERVICE_PROVIDER)
    member.roles[0].provider_id = team.id
    property_manager = session.scalar(select(StaffUser).where(StaffUser.username == "property"))
    session.commit()
    resident = make_resident()
    ticket = submit(session, SYSTEM, resident, suggestion, {"details": "路灯坏了"}, "staff").request
    session.commit()
    assert desk.handler_unit(ticket) == f"provider:{team.id}:快修队"
    assert desk.can_see(desk.scope_of(member), ticket)
    assert not desk.can_see(desk.scope_of(property_manager), ticket)
    assert f"provider:{team.id}:快修队" in desk.units_of(session, desk.scope_of(member))
    # The lift goes back to the office when the team no longer answers it: no ticket is left unanswered.
    token = csrf_token(client, f"/staff/providers/{team.id}")
    client.post(
        f"/staff/providers/{team.id}",
        data={"csrf_token": token, "name": "快修队", "kind": "repair", "service_type": [str(suggestion.id)]},
    )
    session.expire_all()
    assert lift.provider_id is None
    assert lift.handler == Handler.OFFICE
    assert team.phone_last4 == "1234"  # an empty phone field keeps the number on file
    shown = client.post(f"/staff/providers/{team.id}/phone", data={"csrf_token": token})
    assert shown.status_code == 200
    assert "057188881234" in shown.get_data(as_text=True)  # in this answer only
    assert "057188881234" not in client.get(f"/staff/providers/{team.id}").get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "provider.phone_shown"))


def test_a_service_provider_role_names_a_record_of_the_community(client, auth, session, demo_community):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    token = csrf_token(client, "/staff/accounts")
    data = {"csrf_token": token, "display_name": "刘医生", "community_id": str(demo_community.id)}
    unknown = client.post(
        "/staff/accounts", data={**data, "role": "service_provider", "provider": "无名诊所"}
    )
    assert unknown.status_code == 400
    known = client.post(
        "/staff/accounts", data={**data, "role": "service_provider", "provider": "翠苑社区卫生服务站"}
    )
    assert known.status_code == 200
    doctor = session.scalar(select(StaffRole).join(StaffUser).where(StaffUser.username == "provider"))
    assert doctor.provider_id == clinic(session).id  # the demo's provider became a record


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(max_size=90),
    phone=st.text(max_size=30),
    kind=st.sampled_from(["clinic", "property", "nonsense", ""]),
    types=st.lists(st.sampled_from(["1", "0", "-1", "x", "99999999999999999999", ""]), max_size=3),
)
def test_fuzz_the_provider_form_never_fails(app, admin_client, session, name, phone, kind, types):
    token = csrf_token(admin_client, "/staff/providers")
    data = {"csrf_token": token, "name": name, "kind": kind, "contact_name": name, "phone": phone}
    if once_per_test(session):  # once per test: a valid provider through the same path
        made = admin_client.post(
            "/staff/providers", data={"csrf_token": token, "name": " 控制  诊所 ", "kind": "clinic"}
        )
        assert made.status_code == 303, made.status_code
        control = session.scalar(select(ServiceProvider).where(ServiceProvider.name == "控制 诊所"))
        assert made.headers["Location"] == f"/staff/providers/{control.id}"
    before = providers_count(session)
    response = admin_client.post("/staff/providers", data={**data, "service_type": types})
    if response.status_code == 303:  # a record under the name typed (spaces tidied)
        made = session.scalar(select(ServiceProvider).order_by(ServiceProvider.id.desc()).limit(1))
        assert providers_count(session) == before + 1
        assert made.name == " ".join(name.split())
        assert response.headers["Location"] == f"/staff/providers/{made.id}"
    else:
        assert response.status_code == 400, response.status_code
        assert refused_in_words(response), (name, kind, types)
        assert providers_count(session) == before
    if response.status_code == 400 and name.strip() and "\x00" not in name:
        assert re.search(r'name="name"', response.get_data(as_text=True))
