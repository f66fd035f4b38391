"""One unit of work per request: a failed request leaves nothing half written, what must stand stands, and a
reading request never takes SQLite's write lock."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from tests.conftest import DEMO_PASSWORD, TEST_KEY, csrf_token
from tests.web.conftest import PHONE_PIN
from webapp import create_app
from webapp.domain.identity.cards import issue_card
from webapp.domain.identity.pins import set_pin
from webapp.domain.privacy.audit import SYSTEM
from webapp.domain.register import places
from webapp.infra.errors import database_not_now
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


def test_a_writer_that_waited_out_the_lock_is_told_to_try_again_not_that_we_failed(live_sqlite, caplog):
    """SQLite's write lock held past the busy timeout (a burst of writers on one box): the person gets a
    translated 503 with Retry-After, in the page's own layout, not "something went wrong on our side";
    nothing is written, and the log says what the database said, without a stack trace."""
    app, engine = live_sqlite
    phone = app.test_client()
    phone.set_cookie("linli_locale", "zh_Hans")
    token = csrf_token(phone, "/staff/sign-in")
    with engine.connect() as writer:
        held = writer.begin()  # BEGIN IMMEDIATE: another writer holds the one write lock
        writer.execute(text("UPDATE community SET phone = phone"))
        try:
            answer = phone.post(
                "/staff/sign-in", data={"csrf_token": token, "username": "x", "password": "y"}
            )
        finally:
            held.rollback()
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert "请稍后再试" in page
    assert "没有保存" in page
    assert 'lang="zh-Hans"' in page
    assert "<main" in page
    logged = [r for r in caplog.records if r.name == "webapp.infra.errors"]
    assert [r.getMessage() for r in logged] == [
        "database unavailable in POST auth.sign_in: database is locked"
    ]
    assert all(r.exc_info is None for r in logged)


def test_with_no_database_answering_pages_say_try_again_in_their_own_layout(tmp_path, caplog):
    """The database server stopped (a district's PostgreSQL restarting): 503 with Retry-After and the
    translated words in the face's layout, the reason in the log in one line, never a stack trace."""
    app = create_app(
        {
            "database_url": "postgresql+psycopg://nobody@127.0.0.1:1/linli",  # nothing listens on port 1
            "testing": True,
            "instance_path": tmp_path,
            "encryption_key": TEST_KEY,
        }
    )
    client = app.test_client()
    for path in ("/", "/staff/sign-in"):
        answer = client.get(path, headers={"Accept-Language": "zh-TW"})
        page = answer.get_data(as_text=True)
        assert (answer.status_code, answer.headers.get("Retry-After")) == (503, "5"), path
        assert "<title>請稍後再試" in page, path
        assert "沒有儲存任何內容" in page, path
        assert 'class="theme-phone' in page, path  # the face's layout, not the bare fallback page
    # Signed in: loading the person meets the same database, so the page is drawn as for someone signed
    # out, in the language the request asks for (the person's saved one is in the database too).
    for kind, path in (("staff", "/staff/"), ("resident", "/me"), ("family", "/family")):
        person = app.test_client()
        person.set_cookie("linli_locale", "zh_Hant")
        with person.session_transaction() as s:
            s["_user_id"] = f"{kind}:1:1"
            s["_fresh"] = True
        answer = person.get(path)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 503, (kind, page[:300])
        assert "<title>請稍後再試" in page, kind
        assert 'class="theme-' in page, kind
    logged = [r for r in caplog.records if r.name == "webapp.infra.errors"]
    assert len(logged) == 5
    assert all("Connection refused" in r.getMessage() for r in logged)
    assert all(r.exc_info is None for r in logged)


def test_only_a_refusal_for_now_is_answered_try_again(databases, engine):
    """A lock given up on is "not now"; a statement the database cannot run is a defect (a 500 with its stack
    trace in the log), whichever database says it. Both errors are the real database's own."""
    # PostgreSQL: a statement past its time limit (57014), slow code and not "now"; SQLite: a syntax error.
    defect = "SELECT pg_sleep(1)" if databases.is_postgres else "SELEKT 1"
    with engine.connect() as conn:
        if databases.is_postgres:
            conn.execute(text("SET statement_timeout = '10ms'"))
        with pytest.raises(OperationalError) as bad:
            conn.execute(text(defect))
    assert not database_not_now(bad.value)
    with engine.connect() as holder, engine.connect() as other:
        if not databases.is_postgres:
            other.exec_driver_sql("PRAGMA busy_timeout = 50")
            other.commit()
        holder.execute(text("UPDATE community SET phone = phone"))  # holds the write lock, or the rows
        if databases.is_postgres:
            other.execute(text("SET lock_timeout = '50ms'"))
        with pytest.raises(OperationalError) as busy:
            other.execute(text("UPDATE community SET phone = phone"))
        holder.rollback()
    assert database_not_now(busy.value)


def test_a_json_caller_that_meets_a_busy_database_is_told_in_one_sentence_of_its_language(live_sqlite):
    """A kiosk shows and reads aloud a JSON answer's `message` (a scan, a heartbeat): Chinese words joined by a
    Chinese full stop, as one sentence."""
    app, engine = live_sqlite
    client = app.test_client()
    client.set_cookie("linli_locale", "zh_Hant")
    token = csrf_token(client, "/staff/sign-in")
    with engine.connect() as writer:
        held = writer.begin()
        writer.execute(text("UPDATE community SET phone = phone"))
        try:
            answer = client.post(
                "/staff/sign-in",
                data={"csrf_token": token, "username": "x", "password": "y"},
                headers={"Accept": "application/json"},
            )
        finally:
            held.rollback()
    assert answer.status_code == 503
    assert (
        answer.get_json()["message"]
        == "請稍後再試。系統暫時無法完成這項操作，沒有儲存任何內容。請過一分鐘再試一次。"
    )


def test_a_commit_refused_after_the_view_answered_becomes_the_503_in_place(
    app, client, make_staff, monkeypatch
):
    """The view redirected, then the commit itself was refused (a connection lost, a conflict PostgreSQL
    finds at commit): the answer is the translated 503, not a redirect to a page whose change was never
    saved, with the security headers the other hooks set and nothing a cache may keep."""
    import sqlite3
    import sys

    from flask import has_request_context
    from sqlalchemy.orm import Session

    make_staff("clerk", Role.COMMUNITY_WORKER)
    client.set_cookie("linli_locale", "zh_Hans")
    token = csrf_token(client, "/staff/sign-in")
    real = Session.commit
    refused: list[bool] = []

    def refusing(self):
        if has_request_context() and sys._getframe(1).f_code.co_name == "_finish" and not refused:
            refused.append(True)
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))
        return real(self)

    monkeypatch.setattr(Session, "commit", refusing)
    answer = client.post(
        "/staff/sign-in", data={"csrf_token": token, "username": "clerk", "password": DEMO_PASSWORD}
    )
    assert refused == [True]
    assert answer.status_code == 503
    assert "Location" not in answer.headers
    assert answer.headers["Retry-After"] == "5"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in answer.headers
    assert "请稍后再试" in answer.get_data(as_text=True)


def test_an_error_logged_with_its_statement_never_names_the_values_bound_to_it(database_url):
    """A 500's stack trace carries the statement; the values bound to it (a hashed number, a resident's own
    words) stay out of the log."""
    from webapp.infra.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn, pytest.raises(DBAPIError) as failed:  # (either database's class)
            conn.execute(text("SELECT 1 FROM no_such_table WHERE x = :phone"), {"phone": "13912345678"})
    finally:
        engine.dispose()
    assert "no_such_table" in str(failed.value)
    assert "13912345678" not in str(failed.value)
