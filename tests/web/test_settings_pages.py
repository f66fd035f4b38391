"""Settings an office changes itself (issue 16 item 7): holidays, kiosk defaults and deadlines per service,
used by the core's deadline rule; bad input (a bad date, a bad number, an unknown service) is said in words
with what was typed kept; only administrators (and their district) may change them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import csrf_token, once_per_test, refused_in_words
from webapp.domain.desk.tickets import submit
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.register.settings import SCANNER_PLACES, SettingsError, parse_holidays, parse_idle
from webapp.infra.numbers import small_int
from webapp.models import Community, Role, ServiceType


def test_holidays_and_kiosk_defaults_are_kept_and_bad_dates_are_said(client, auth, session, demo_community):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    token = csrf_token(client, "/staff/settings")
    data = {
        "csrf_token": token,
        "holidays": "2026-10-01\n2026-13-40",
        "kiosk_idle": "90",
        "kiosk_scanner": "right",
    }
    bad = client.post(f"/staff/settings/office?community={demo_community.id}", data=data)
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "“2026-13-40” is not a date" in text
    assert "2026-13-40" in text.split('id="holidays"')[1][:300]  # what was typed is kept
    idle = client.post("/staff/settings/office", data={**data, "holidays": "", "kiosk_idle": "5"})
    assert idle.status_code == 400
    assert "30 to 600" in idle.get_data(as_text=True)
    good = client.post("/staff/settings/office", data={**data, "holidays": "2026-10-02, 2026-10-01"})
    assert good.status_code == 303
    session.refresh(demo_community)
    assert demo_community.holidays == ["2026-10-01", "2026-10-02"]
    assert demo_community.kiosk_scanner_place == "right"
    new_kiosk = client.get("/staff/kiosks").get_data(as_text=True)
    assert 'value="90"' in new_kiosk  # a new kiosk starts with the office's defaults


def test_deadlines_per_service_are_used_for_new_tickets(client, auth, session, demo_community, make_resident):
    client.set_cookie("linli_locale", "en")
    auth.sign_in("admin")
    suggestion = session.scalar(select(ServiceType).where(ServiceType.code == "suggestion"))
    token = csrf_token(client, "/staff/settings")
    typed = {"csrf_token": token, f"hours-{suggestion.id}": "abc", f"urgent-{suggestion.id}": "2"}
    bad = client.post("/staff/settings/deadlines", data=typed)
    assert bad.status_code == 400
    assert "between 1 and 2160" in bad.get_data(as_text=True)
    assert 'value="abc"' in bad.get_data(as_text=True)
    unknown = client.post(
        "/staff/settings/deadlines",
        data={**typed, f"hours-{suggestion.id}": "5", "hours-99999999": "5", "urgent-99999999": "1"},
    )
    assert unknown.status_code == 400
    assert "only the services listed here" in unknown.get_data(as_text=True)
    saved = client.post("/staff/settings/deadlines", data={**typed, f"hours-{suggestion.id}": "12"})
    assert saved.status_code == 303
    session.refresh(suggestion)
    assert suggestion.urgent_deadline_hours == 2
    resident = make_resident()
    ticket = submit(session, SYSTEM, resident, suggestion, {"details": "路灯"}, "staff").request
    assert ticket.due_at - ticket.submitted_at == timedelta(hours=12)


def settings_routes(app):
    """Every route of the settings page, from the URL map (a new one is checked without being listed)."""
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint in ("staff.community_settings",) or rule.endpoint.startswith("staff.settings")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    )


@pytest.mark.parametrize(
    "role",
    [Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.PROPERTY_MANAGER, Role.SERVICE_PROVIDER, Role.VOLUNTEER],
)
def test_only_administrators_change_settings(app, client, auth, make_staff, session, demo_community, role):
    make_staff("someone", role)
    auth.sign_in("someone")
    token = csrf_token(client, "/staff/security")
    routes = settings_routes(app)
    assert len(routes) >= 4  # the page (GET, POST), office, deadlines
    for url, method in routes:
        data = {"csrf_token": token, "holidays": "2026-10-01"}
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code == 403, f"{method} {url}"
    session.refresh(demo_community)
    assert demo_community.holidays is None


def test_another_communitys_settings_are_out_of_reach(client, auth, make_staff, session, demo_community):
    """An administrator of another community (the same street) asking for this one's settings gets their own."""
    street = demo_community.region
    other = Community(slug="meihua", region=street, names={"zh_Hans": "梅花社区"})
    session.add(other)
    session.commit()
    make_staff("outsider", Role.ADMIN, community=other)
    auth.sign_in("outsider")
    token = csrf_token(client, "/staff/settings")
    client.post(
        f"/staff/settings/office?community={demo_community.id}",
        data={"csrf_token": token, "holidays": "2026-10-01"},
    )
    session.refresh(demo_community)
    session.refresh(other)
    assert demo_community.holidays is None  # the asked community is not theirs: their own was changed
    assert other.holidays == ["2026-10-01"]


@pytest.fixture
def admin_client(client, auth):
    auth.sign_in("admin")
    return client


def office_of(community) -> tuple:
    return community.holidays, community.kiosk_idle_seconds, community.kiosk_scanner_place


def deadlines_of(session) -> dict[int, tuple[int, int]]:
    session.expire_all()
    rows = session.execute(
        select(ServiceType.id, ServiceType.deadline_hours, ServiceType.urgent_deadline_hours)
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def settings_controls(client, session, community):
    """Valid settings through the fuzz's own client, sign-in and CSRF path, with their exact outcome."""
    token = csrf_token(client, "/staff/settings")
    office = client.post(
        "/staff/settings/office",
        data={
            "csrf_token": token,
            "holidays": "2026-10-02\n2026-10-01",
            "kiosk_idle": "90",
            "kiosk_scanner": "left",
        },
    )
    assert office.status_code == 303, office.status_code
    assert office.headers["Location"] == f"/staff/settings?community={community.id}#office"
    session.refresh(community)
    assert office_of(community) == (["2026-10-01", "2026-10-02"], 90, "left")
    service = session.scalar(select(ServiceType).where(ServiceType.community_id == community.id).limit(1))
    saved = client.post(
        "/staff/settings/deadlines",
        data={"csrf_token": token, f"hours-{service.id}": " 47 ", f"urgent-{service.id}": "3"},
    )
    assert saved.status_code == 303, saved.status_code
    assert deadlines_of(session)[service.id] == (47, 3)


def office_answer(holidays, idle, scanner) -> int:
    """What the office form answers: 303 when every value parses, else 400 (register.settings)."""
    try:
        parse_holidays(holidays[:8000])
        parse_idle(idle[:20])
    except SettingsError:
        return 400
    return 303 if scanner in ("", *SCANNER_PLACES) else 400


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    holidays=st.text(max_size=60),
    idle=st.text(max_size=8),
    scanner=st.sampled_from(["below", "up", ""]),
    hours=st.text(max_size=8),
    type_id=st.sampled_from(["1", "0", "x", "99999999999999999999", ""]),
)
def test_fuzz_the_settings_forms_never_fail(
    admin_client, session, demo_community, holidays, idle, scanner, hours, type_id
):
    client = admin_client
    if once_per_test(session):  # valid settings through the same path first
        settings_controls(client, session, demo_community)
    token = csrf_token(client, "/staff/settings")
    session.refresh(demo_community)
    before = office_of(demo_community)
    office = client.post(
        "/staff/settings/office",
        data={"csrf_token": token, "holidays": holidays, "kiosk_idle": idle, "kiosk_scanner": scanner},
    )
    session.refresh(demo_community)
    assert office.status_code == office_answer(holidays, idle, scanner), (holidays, idle, scanner)
    if office.status_code == 303:
        wanted = (parse_holidays(holidays) or None, parse_idle(idle), scanner or None)
        assert office_of(demo_community) == wanted
    else:
        assert refused_in_words(office)
        assert office_of(demo_community) == before
    deadlines_before = deadlines_of(session)
    deadlines = client.post(
        "/staff/settings/deadlines",
        data={"csrf_token": token, f"hours-{type_id}": hours, f"urgent-{type_id}": hours},
    )
    after = deadlines_of(session)
    if deadlines.status_code == 303:
        known = small_int(type_id, 2**31 - 1)
        assert session.get(ServiceType, known).community_id == demo_community.id, type_id
        assert after == {**deadlines_before, known: (int(hours.strip()), int(hours.strip()))}
    else:
        assert deadlines.status_code == 400, deadlines.status_code
        assert refused_in_words(deadlines), (type_id, hours)
        assert after == deadlines_before
