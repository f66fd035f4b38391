"""Who may open the office's setting-up pages (issue 16): every route of communities, the district roll-up,
buildings (one by one and in bulk), staff accounts with their role and region grants, providers, settings and
wording, enumerated from the URL map, for a district administrator, a community administrator and a worker of
this street, and a district administrator and a community administrator of another street.

The table says which roles each route is for; the expected answer follows: 403 for a role the route is not
for, 404 for an object of this street asked by someone of the other street (audited), 200 for a page the
person may open. What a permitted change does is each page's own test; here a refused one changes nothing.
Then the forms of communities and grants are fuzzed: never a 500, never a change the sender may not make."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.conftest import DEMO_PASSWORD, csrf_token, once_per_test, refused_in_words
from webapp.domain.identity.staff import create_staff
from webapp.domain.register.setup import same_names
from webapp.infra.numbers import small_int
from webapp.models import (
    AuditEntry,
    Building,
    Community,
    NoticeTemplate,
    Region,
    RegionLevel,
    Role,
    ServiceProvider,
    StaffInvitation,
    StaffRegionRole,
    StaffRole,
    StaffUser,
)

# Who each route is for, by role (the other street's people hold the same roles there).
DISTRICT = frozenset({"district"})
ADMINS = frozenset({"district", "admin"})
PLACES = frozenset({"district", "admin", "worker"})
NOTICES = frozenset({"admin", "worker"})
ROUTES: dict[str, frozenset[str]] = {
    "staff.communities": DISTRICT,
    "staff.community_detail": DISTRICT,
    "staff.community_archive": DISTRICT,
    "staff.district": ADMINS,
    "staff.district_csv": ADMINS,
    "staff.district_xlsx": ADMINS,
    "staff.buildings": PLACES,
    "staff.buildings_bulk": PLACES,
    "staff.building_detail": PLACES,
    "staff.building_rename": PLACES,
    "staff.building_remove": PLACES,
    "staff.household_detail": PLACES,
    "staff.household_remove": PLACES,
    "staff.accounts_list": ADMINS,
    "staff.account_detail": ADMINS,
    "staff.account_grant": ADMINS,
    "staff.account_revoke": ADMINS,
    "staff.account_grant_region": ADMINS,
    "staff.account_revoke_region": ADMINS,
    "staff.account_disable": ADMINS,
    "staff.account_enable": ADMINS,
    "staff.account_password_reset": ADMINS,
    "staff.account_totp_reset": ADMINS,
    "staff.providers": ADMINS,
    "staff.provider_detail": ADMINS,
    "staff.provider_phone": ADMINS,
    "staff.community_settings": ADMINS,
    "staff.settings_office": ADMINS,
    "staff.settings_deadlines": ADMINS,
    "staff.wording": ADMINS,
    "staff.wording_save": ADMINS,
    "staff.wording_reset": ADMINS,
    "staff.notice_templates": NOTICES,
    "staff.notice_template_edit": NOTICES,
    "staff.notice_template_delete": NOTICES,
    "staff.notice_templates_starters": NOTICES,
}
PREFIXES = (
    "staff.communit",
    "staff.district",
    "staff.building",
    "staff.household",
    "staff.account",
    "staff.provider",
    "staff.settings",
    "staff.wording",
    "staff.notice_template",
)
# username -> (role, of the other street)
PEOPLE = {
    "district": ("district", False),
    "admin": ("admin", False),
    "worker": ("worker", False),
    "far.district": ("district", True),
    "far.admin": ("admin", True),
}
HERE = "桂花社区"


@pytest.fixture
def far(session, demo_community):
    """Another street of the demo's district, with its own community, district administrator and admin."""
    district = session.scalar(select(Region).where(Region.level == RegionLevel.DISTRICT))
    street = Region(parent=district, level=RegionLevel.STREET, code="far-street", names=same_names("远街道"))
    community = Community(slug="yuan", region=street, names=same_names("远方社区"))
    session.add_all([street, community])
    session.flush()
    head = create_staff(session, "far.district", "远街道主任", DEMO_PASSWORD)
    head.region_roles.append(StaffRegionRole(region_id=street.id, role=Role.DISTRICT_ADMIN))
    create_staff(session, "far.admin", "远方社区管理员", DEMO_PASSWORD, [(community.id, Role.ADMIN)])
    session.commit()
    return community


def here_ids(session, demo_community):
    """Objects of this street that the routes name."""
    worker = session.scalar(select(StaffUser).where(StaffUser.username == "worker"))
    district = session.scalar(select(StaffUser).where(StaffUser.username == "district"))
    building = session.scalar(select(Building).where(Building.community_id == demo_community.id))
    return {
        "community_id": demo_community.id,
        "user_id": worker.id,
        "role_id": worker.roles[0].id,
        "region_role_id": district.region_roles[0].id,
        "building_id": building.id,
        "household_id": building.households[0].id,
        "provider_id": session.scalar(
            select(ServiceProvider.id).where(ServiceProvider.community_id == demo_community.id)
        ),
        "template_id": session.scalar(
            select(NoticeTemplate.id).where(NoticeTemplate.community_id == demo_community.id)
        ),
    }


def office_routes(app):
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(PREFIXES):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule, method))
    return sorted(found, key=lambda pair: (pair[0].rule, pair[1]))


def expected(username, endpoint, names_an_object, method):
    """403: not this role's route; 404: an object of the other street; 200: a page this person may open;
    None: a change this person may make (its page's own tests follow it through)."""
    role, far_away = PEOPLE[username]
    if role not in ROUTES[endpoint]:
        return 403
    if far_away and names_an_object:
        return 404
    return 200 if method == "GET" else None


def sign_in_as(client, username):
    client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf_token(client, "/staff/sign-in"),
            "username": username,
            "password": DEMO_PASSWORD,
        },
    )


def body(response):
    if response.status_code != 200:
        return ""
    if response.mimetype.endswith("sheet"):
        rows = load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True)
        return repr(list(rows))
    return response.get_data(as_text=True)


def test_every_office_route_is_classified(app):
    endpoints = {rule.endpoint for rule, _method in office_routes(app)}
    assert endpoints == set(ROUTES), f"classify these routes: {sorted(endpoints ^ set(ROUTES))}"


def test_the_permission_matrix_of_the_office_routes(app, session, demo_community, far):
    ids = here_ids(session, demo_community)
    routes = office_routes(app)
    assert len(routes) >= 40
    tried = 0
    for username in PEOPLE:
        client = app.test_client()
        sign_in_as(client, username)
        token = csrf_token(client, "/staff/security")
        for rule, method in routes:
            want = expected(username, rule.endpoint, bool(rule.arguments), method)
            if want is None:
                continue
            url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
            denied = select(func.count(AuditEntry.id)).where(AuditEntry.action == "access.denied")
            before = session.scalar(denied)
            data = {"csrf_token": token, "community_id": str(demo_community.id)}
            answer = client.get(url) if method == "GET" else client.post(url, data=data)
            assert answer.status_code == want, (
                f"{username}: {method} {url} -> {answer.status_code}, not {want}"
            )
            if want in (403, 404):
                session.expire_all()
                assert session.scalar(denied) == before + 1, f"{username}: {method} {url} was not audited"
            if PEOPLE[username][1]:
                assert HERE not in body(answer), f"{username}: {method} {url} shows this street's community"
            tried += 1
    assert tried > 120
    # Nothing of this street was changed by a refused request.
    session.expire_all()
    assert session.get(Community, demo_community.id).archived_at is None
    worker = session.get(StaffUser, ids["user_id"])
    assert worker.is_active
    assert [r.id for r in worker.roles] == [ids["role_id"]]
    assert session.get(Building, ids["building_id"]) is not None


# What the other street's people get from each list form, sent the fields below with this street's community
# asked for: their own community is worked on (303), or the form is refused in words (400), or the route is
# not for their role (403). Building 91 and the bulk buildings exist after the district administrator's turn.
FROM_AFAR = {
    "far.district": {
        "/staff/accounts": 400,  # the community asked for is not one they may choose
        "/staff/buildings": 303,  # building 91, in their own community
        "/staff/buildings/bulk": 303,  # building 90, in their own community
        "/staff/communities": 400,  # no region of theirs chosen
        "/staff/notices/templates/new": 403,  # not a district administrator's route
        "/staff/notices/templates/starters": 403,
        "/staff/providers": 400,  # no name given
        "/staff/settings": 303,  # their own community's details
        "/staff/settings/deadlines": 303,  # no deadline sent: nothing to change, saved
        "/staff/settings/office": 303,  # the holiday, for their own community
        "/staff/settings/wording": 400,  # no message kind sent
        "/staff/settings/wording/reset": 400,
    },
    "far.admin": {
        "/staff/accounts": 400,
        "/staff/buildings": 400,  # 91 is taken now
        "/staff/buildings/bulk": 400,  # 90 is taken now
        "/staff/communities": 403,  # a district administrator's route
        "/staff/notices/templates/new": 400,  # no title
        "/staff/notices/templates/starters": 303,
        "/staff/providers": 400,
        "/staff/settings": 303,
        "/staff/settings/deadlines": 303,
        "/staff/settings/office": 303,
        "/staff/settings/wording": 400,
        "/staff/settings/wording/reset": 400,
    },
}


def test_the_other_streets_people_change_nothing_here_through_their_own_pages(
    app, session, demo_community, far
):
    """A list page takes `community` from the address and the form: asked for this street's community, the
    other street's people work on their own (or are refused), never on it."""
    lists = [(r, m) for r, m in office_routes(app) if m == "POST" and not r.arguments]
    assert {r.rule for r, _m in lists} == set(FROM_AFAR["far.district"]) == set(FROM_AFAR["far.admin"])
    for username in ("far.district", "far.admin"):
        client = app.test_client()
        sign_in_as(client, username)
        token = csrf_token(client, "/staff/security")
        for rule, _method in lists:
            answer = client.post(
                f"{rule.rule}?community={demo_community.id}",
                data={
                    "csrf_token": token,
                    "community_id": str(demo_community.id),
                    "name": "改名社区",
                    "display_name": "新同事",
                    "role": "community_worker",
                    "description": "幢 90, 每幢 1 个单元, 1 层, 每层 1 户",
                    "action": "create",
                    "holidays": "2026-10-01",
                    "number": "91",
                },
            )
            want = FROM_AFAR[username].get(rule.rule)
            assert answer.status_code == want, (
                f"{username}: POST {rule.rule} -> {answer.status_code}, not {want}"
            )
            if want == 303:  # to their own community's page, never this street's
                named = re.findall(r"community=(\d+)", answer.headers["Location"])
                assert named in ([], [str(far.id)]), answer.headers["Location"]
            if want == 400:
                assert refused_in_words(answer), f"{username}: POST {rule.rule}"
            assert HERE not in body(answer)
    session.expire_all()
    here = session.get(Community, demo_community.id)
    assert here.holidays is None
    assert here.name("zh_Hans") == HERE
    assert not session.scalar(
        select(func.count(Building.id)).where(
            Building.community_id == demo_community.id, Building.number.in_([90, 91])
        )
    )
    assert not session.scalar(
        select(func.count(StaffInvitation.id)).where(
            StaffInvitation.community_id == demo_community.id, StaffInvitation.display_name == "新同事"
        )
    )
    # The control: the same requests did reach the views, which worked on the sender's own community (the
    # bulk form made building 90, the building form 91, the office settings took the holiday).
    assert (
        session.scalar(
            select(func.count(Building.id)).where(
                Building.community_id == far.id, Building.number.in_([90, 91])
            )
        )
        == 2
    )
    assert session.get(Community, far.id).holidays == ["2026-10-01"]


ODD = st.sampled_from(["1", "0", "-1", "x", "99999999999999999999", "", "1.5", "\x00", "١"])
TEXT = st.text(max_size=120)


def details_of(community: Community) -> tuple:
    return (
        community.names["zh_Hans"],
        community.address,
        community.phone,
        community.office_hours,
        community.timezone,
        community.default_locale,
    )


def details_sent(data: dict[str, str]) -> tuple:
    """The details a saved community form keeps: as typed, stripped (register.setup)."""
    return (
        same_names(data["name"])["zh_Hans"],
        data["address"].strip() or None,
        data["phone"].strip() or None,
        data["office_hours"].strip() or None,
        data["timezone"].strip() or "Asia/Shanghai",
        data["default_locale"] or None,
    )


def all_details(session) -> dict[int, tuple]:
    session.expire_all()
    return {c.id: details_of(c) for c in session.scalars(select(Community))}


def community_controls(client, session, demo_community):
    """Valid details through the fuzz's own client, sign-in and CSRF path, each with its exact outcome."""
    region_id = session.scalar(
        select(StaffRegionRole.region_id).join(StaffUser).where(StaffUser.username == "district")
    )
    data = {
        "csrf_token": csrf_token(client, "/staff/communities"),
        "name": " 控制 社区 ",
        "address": " 控制路 1 号 ",
        "phone": "0571-8888 0000",
        "office_hours": "9:00-17:00",
        "timezone": "Asia/Shanghai",
        "default_locale": "en",
        "region_id": str(region_id),
    }
    before = all_details(session)
    created = client.post("/staff/communities", data=data)
    assert created.status_code == 303, created.status_code
    (made_id,) = set(all_details(session)) - set(before)
    made = session.get(Community, made_id)
    assert created.headers["Location"] == f"/staff/communities/{made.id}"
    assert details_of(made) == (
        "控制 社区",
        "控制路 1 号",
        "0571-8888 0000",
        "9:00-17:00",
        "Asia/Shanghai",
        "en",
    )
    for url in (f"/staff/communities/{demo_community.id}", f"/staff/settings?community={demo_community.id}"):
        data["address"] = f"地址 {url}"
        saved = client.post(url, data=data)
        assert saved.status_code == 303, (url, saved.status_code)
        session.refresh(demo_community)
        assert demo_community.address == f"地址 {url}", url


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=TEXT,
    address=TEXT,
    phone=TEXT,
    hours=TEXT,
    zone=st.one_of(TEXT, st.just("Asia/Shanghai")),
    locale=st.sampled_from(["", "en", "zh_Hans", "xx", "\x00"]),
    region=ODD,
)
def test_fuzz_the_community_forms(
    client, auth, session, demo_community, name, address, phone, hours, zone, locale, region
):
    if client.get("/staff/sign-in").status_code == 200:  # the first example: the client stays signed in
        auth.sign_in("district")
        community_controls(client, session, demo_community)
    data = {
        "csrf_token": csrf_token(client, "/staff/communities"),
        "name": name,
        "address": address,
        "phone": phone,
        "office_hours": hours,
        "timezone": zone,
        "default_locale": locale,
        "region_id": region,
    }
    for url in ("/staff/communities", f"/staff/communities/{demo_community.id}", "/staff/settings"):
        before = all_details(session)
        answer = client.post(url, data=data)
        after = all_details(session)
        if answer.status_code == 303:
            # Saved: the community the answer leads to holds what was sent, and only it changed.
            target = int(re.search(r"communit(?:ies/|y=)(\d+)", answer.headers["Location"]).group(1))
            assert after[target] == details_sent(data), (url, after[target])
            assert {k: v for k, v in after.items() if k != target} == {
                k: v for k, v in before.items() if k != target
            }, url
            if url == "/staff/communities":
                assert target not in before
        else:
            assert answer.status_code == 400, (url, answer.status_code)
            assert refused_in_words(answer), url
            assert after == before, url


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    community=ODD,
    role=st.sampled_from(
        ["admin", "volunteer", "service_provider", "district_admin", "grid_worker", "x", ""]
    ),
    provider=TEXT,
    region=ODD,
    who=st.sampled_from(["admin", "district"]),
)
def test_fuzz_the_role_and_region_grant_forms(
    app, session, demo_community, community, role, provider, region, who
):
    volunteer = session.scalar(select(StaffUser).where(StaffUser.username == "volunteer"))
    path = f"/staff/accounts/{volunteer.id}"
    if once_per_test(session):  # once per test: valid grants through the same path
        grant_controls(app, session, volunteer, demo_community)
    client = app.test_client()
    sign_in_as(client, who)
    token = csrf_token(client, path)
    roles_before = held_roles(session, volunteer.id)
    granted = client.post(
        f"{path}/roles",
        data={"csrf_token": token, "community_id": community, "role": role, "provider": provider},
    )
    roles_after = held_roles(session, volunteer.id)
    if granted.status_code == 303:
        assert granted.headers["Location"] == path
        assert (small_int(community), role) in roles_after, (community, role, roles_after)
    else:
        assert granted.status_code == 400, granted.status_code
        assert refused_in_words(granted), (community, role)
        assert roles_after == roles_before
    regions_before = held_regions(session, volunteer.id)
    regioned = client.post(f"{path}/regions", data={"csrf_token": token, "region_id": region})
    regions_after = held_regions(session, volunteer.id)
    if regioned.status_code == 303:
        assert regioned.headers["Location"] == path
        assert small_int(region) in regions_after, (region, regions_after)
    else:
        assert regioned.status_code == 400, regioned.status_code
        assert refused_in_words(regioned), region
        assert regions_after == regions_before
    # Whatever was sent: never a district role from a community administrator, never a role outside the
    # demo community, never an administrator made by the fuzz's odd community numbers.
    if who == "admin":
        assert regions_after == regions_before
    assert {c for c, _role in roles_after} <= {demo_community.id}
    assert session.scalar(select(func.count(StaffRole.id)).where(StaffRole.role == Role.DISTRICT_ADMIN)) == 0


def held_roles(session, user_id) -> set[tuple[int, str]]:
    session.expire_all()
    return {(r.community_id, r.role.value) for r in session.get(StaffUser, user_id).roles}


def held_regions(session, user_id) -> set[int]:
    session.expire_all()
    return {r.region_id for r in session.get(StaffUser, user_id).region_roles}


def grant_controls(app, session, volunteer, demo_community):
    """A community administrator grants a community role, a district administrator a region: 303 to the
    account, and the grant is held (the fuzz's 303s and 400s above come from the views)."""
    path = f"/staff/accounts/{volunteer.id}"
    admin = app.test_client()
    sign_in_as(admin, "admin")
    data = {"csrf_token": csrf_token(admin, path), "community_id": str(demo_community.id)}
    granted = admin.post(f"{path}/roles", data={**data, "role": "grid_worker", "provider": ""})
    assert granted.status_code == 303, granted.status_code
    assert granted.headers["Location"] == path
    assert (demo_community.id, "grid_worker") in held_roles(session, volunteer.id)
    district = app.test_client()
    sign_in_as(district, "district")
    region_id = session.scalar(
        select(StaffRegionRole.region_id).join(StaffUser).where(StaffUser.username == "district")
    )
    regioned = district.post(
        f"{path}/regions", data={"csrf_token": csrf_token(district, path), "region_id": str(region_id)}
    )
    assert regioned.status_code == 303, regioned.status_code
    assert regioned.headers["Location"] == path
    assert region_id in held_regions(session, volunteer.id)
