"""One unit of work per request: a failed request leaves nothing half written, what must stand stands, and a
reading request never takes SQLite's write lock."""

from __future__ import annotations

from sqlalchemy import func, select, text

from tests.conftest import csrf_token
from tests.web.conftest import PHONE_PIN
from webapp.domain.identity.cards import issue_card
from webapp.domain.identity.pins import set_pin
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.register import places
from webapp.models import AuditEntry, AuthAttempt, Building, CheckIn, Resident, Role


def test_a_view_that_fails_after_a_domain_write_leaves_no_row(
    kiosk_client, session, make_resident, monkeypatch
):
    person = make_resident("李奶奶", age=90)
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    client = kiosk_client
    token = csrf_token(client, "/kiosk/")
    scan = client.post("/kiosk/identify", data={"csrf_token": token, "scan": issued.url("https://x")})
    assert scan.get_json()["ok"] is True
    token = csrf_token(client, "/kiosk/home")

    def broken_page(*_args, **_kwargs):
        raise RuntimeError("the page failed after the check-in was written")

    monkeypatch.setattr("kiosk.routes.render_template", broken_page)
    assert client.post("/kiosk/checkin", data={"csrf_token": token}).status_code == 500
    assert session.scalar(select(CheckIn).where(CheckIn.resident_id == person.id)) is None


def test_a_domain_error_shown_on_the_form_leaves_no_partial_write(
    client, auth, make_staff, session, demo_community, monkeypatch
):
    make_staff("clerk", Role.COMMUNITY_WORKER)
    auth.sign_in("clerk")
    client.set_cookie("linli_locale", "en")
    real = places.add_building

    def half_done(db, actor, community_id, number, name=""):
        real(db, actor, community_id, number, name)  # the building row and its audit entry are flushed
        raise places.PlaceError("taken")

    monkeypatch.setattr("webapp.staff.buildings.add_building", half_done)
    token = csrf_token(client, "/staff/buildings")
    answer = client.post("/staff/buildings", data={"csrf_token": token, "number": "77", "name": ""})
    assert answer.status_code == 400
    assert "That already exists." in answer.get_data(as_text=True)
    assert session.scalar(select(Building).where(Building.number == 77)) is None
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "building.create")) is None


def test_a_wrong_pin_is_counted_although_the_answer_is_an_error(app, session, make_resident):
    person = make_resident("张爷爷", age=80)
    set_pin(session, SYSTEM, person, PHONE_PIN)
    issued = issue_card(session, SYSTEM, person)
    session.commit()
    phone = app.test_client()
    phone.get(f"/c/{issued.token}")
    wrong = phone.post("/c", data={"csrf_token": csrf_token(phone, "/c"), "pin": "135792"})
    assert wrong.status_code == 401
    session.expire_all()
    assert session.get(Resident, person.id).pin_failures == 1
    assert session.scalar(select(func.count(AuthAttempt.id)).where(AuthAttempt.success.is_(False))) == 1


def test_a_refused_console_page_is_audited_although_the_answer_is_403(client, auth, make_staff, session):
    make_staff("guard", Role.PROPERTY_MANAGER)
    auth.sign_in("guard")
    assert client.get("/staff/residents").status_code == 403
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "access.denied")) is not None


def test_a_get_reads_while_another_connection_holds_the_write_lock(live_sqlite):
    app, engine = live_sqlite
    with engine.connect() as writer:
        held = (
            writer.begin()
        )  # BEGIN IMMEDIATE (webapp.infra.db): a writer elsewhere holds SQLite's one write lock
        writer.execute(text("UPDATE community SET phone = phone"))
        try:
            page = app.test_client().get("/notices")  # a deferred BEGIN reads beside it (WAL)
            assert page.status_code == 200
            assert "<h1" in page.get_data(as_text=True)
        finally:
            held.rollback()
