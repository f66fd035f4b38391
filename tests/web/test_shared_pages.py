"""Shared pages (issue 21): the phone's start page and a kiosk's attract and start screens are rendered once per
language, display setting and kiosk, and served from that copy until what they show changes.

What a person would notice if the copy were wrong: a notice published a moment ago missing, someone else's
language or text size, a form that refuses to send (another visitor's CSRF token), a "You have signed out" that
never shows, or the start page of someone else's visit. Each test looks for exactly that."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import url_for
from sqlalchemy import event, insert, select, update

from tests.conftest import _sessionmaker, csrf_token
from tests.web.test_kiosk_context import scan_card
from webapp import create_app
from webapp.infra import clock, page_cache
from webapp.infra.db import database
from webapp.models import Notice, PageVersion

pytestmark = pytest.mark.usefixtures("one_half_minute")

SHARED = {"resident.home", "kiosk.attract", "kiosk.start"}
TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"?([a-z_]+)"?', re.IGNORECASE)


def shared_endpoints(app) -> set[str]:
    return {name for name, view in app.view_functions.items() if getattr(view, "linli_shared_page", False)}


@contextmanager
def tables_read(engine):
    seen: set[str] = set()

    def note(_conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.update(TABLE.findall(statement))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def publish(session, community, title: str, **extra) -> Notice:
    notice = Notice(
        community_id=community.id,
        titles={"en": title, "zh_Hans": title, "zh_Hant": title},
        bodies={"en": "Body", "zh_Hans": "正文", "zh_Hant": "正文"},
        urgent=True,
        starts_at=extra.pop("starts_at", clock.now() - timedelta(minutes=1)),
        **extra,
    )
    session.add(notice)
    session.commit()
    return notice


def test_every_shared_page_reads_only_tables_whose_changes_drop_its_copies(app, kiosk_client, engine):
    assert shared_endpoints(app) == SHARED  # a new shared page is added here, with its address
    with app.test_request_context():
        paths = {endpoint: url_for(endpoint) for endpoint in SHARED}
    for endpoint, path in paths.items():
        page_cache.cache_of(app).clear()
        with tables_read(engine) as seen:
            assert kiosk_client.get(path).status_code == 200, endpoint
        unwatched = seen - set(page_cache.WATCHED) - {"page_version", "alembic_version"}
        assert not unwatched, f"{endpoint} reads {sorted(unwatched)}: add them to page_cache.WATCHED"
        assert seen & {"community", "kiosk"}, seen  # the recorder saw the page's own reads


def test_the_second_visitor_gets_the_copy_without_the_pages_queries(app, client, engine):
    client.set_cookie("linli_locale", "en")
    first = client.get("/").get_data(as_text=True)
    other = app.test_client()
    other.set_cookie("linli_locale", "en")
    before = page_cache.cache_of(app).hits
    with tables_read(engine) as seen:
        second = other.get("/").get_data(as_text=True)
    assert page_cache.cache_of(app).hits == before + 1
    assert "notice" not in seen, seen
    assert "community" not in seen, seen
    strip = re.compile(r'name="csrf_token" value="[^"]*"')
    assert strip.sub("", first) == strip.sub("", second)


def test_a_notice_published_now_is_on_the_next_start_page_and_attract_screen(
    app, client, kiosk_client, session, demo_community
):
    phone = app.test_client()
    phone.set_cookie("linli_locale", "en")
    assert "Water off tonight" not in phone.get("/").get_data(as_text=True)
    assert "Water off tonight" not in kiosk_client.get("/kiosk/").get_data(as_text=True)
    hits = page_cache.cache_of(app).hits
    phone.get("/")
    assert page_cache.cache_of(app).hits == hits + 1  # the copy is in use
    notice = publish(session, demo_community, "Water off tonight")
    assert "Water off tonight" in phone.get("/").get_data(as_text=True)
    assert "Water off tonight" in kiosk_client.get("/kiosk/").get_data(as_text=True)
    notice.withdrawn_at = clock.now()
    session.commit()
    assert "Water off tonight" not in phone.get("/").get_data(as_text=True)


def test_a_change_through_another_app_server_reaches_this_servers_copy(
    app, session, demo_community, database_url, tmp_path, request
):
    """Two apps over one database, the notice written through the other app's session. Both are in this
    process, so its commit counts for both at once; a change by another process is the next test's."""
    other = create_app(
        {
            "database_url": database_url,
            "testing": True,
            "instance_path": tmp_path,
            "encryption_key": b"k" * 32,
        }
    )
    database(other).sessionmaker = _sessionmaker(request.getfixturevalue("_connection"))
    reader = app.test_client()
    reader.set_cookie("linli_locale", "en")
    assert "Lift repairs Monday" not in reader.get("/").get_data(as_text=True)
    with other.app_context():
        writer = database(other).sessionmaker()
        writer.add(
            Notice(
                community_id=demo_community.id,
                titles={"en": "Lift repairs Monday"},
                bodies={"en": "Body"},
                urgent=True,
                starts_at=clock.now() - timedelta(minutes=1),
            )
        )
        writer.commit()
        writer.close()
    assert "Lift repairs Monday" in reader.get("/").get_data(as_text=True)


def test_a_change_by_another_process_reaches_this_processs_copy_within_a_second(
    app, demo_community, engine, monkeypatch, request
):
    """Another process's commit (a gunicorn worker beside this one, the job worker) cannot tell this process:
    the version token is read again once its last read is a second old. Within that second the start page
    costs no query at all (reading the token for every request was half of its cost)."""
    now = [1000.0]
    monkeypatch.setattr(page_cache, "time", SimpleNamespace(monotonic=lambda: now[0]))
    reader = app.test_client()
    reader.set_cookie("linli_locale", "en")
    assert "Gas check Thursday" not in reader.get("/").get_data(as_text=True)
    # Written as another process would: on its own, through no session of this process.
    other_process = request.getfixturevalue("_connection")
    other_process.execute(
        insert(Notice).values(
            community_id=demo_community.id,
            titles={"en": "Gas check Thursday"},
            bodies={"en": "Body"},
            urgent=True,
            starts_at=clock.now() - timedelta(minutes=1),
        )
    )
    other_process.execute(update(PageVersion).where(PageVersion.id == 1).values(token="another-process"))
    now[0] += 0.5
    with tables_read(engine) as seen:
        reader.get("/")
    assert seen == set()  # the copy, and the token it was checked against, both from memory
    now[0] += page_cache.TOKEN_FRESH_SECONDS
    assert "Gas check Thursday" in reader.get("/").get_data(as_text=True)


def test_a_notice_that_starts_later_appears_when_its_time_comes_without_any_write(
    app, session, demo_community, frozen
):
    publish(session, demo_community, "Health talk now", starts_at=frozen.now + timedelta(minutes=5))
    phone = app.test_client()
    phone.set_cookie("linli_locale", "en")
    assert "Health talk now" not in phone.get("/").get_data(as_text=True)
    frozen.advance(minutes=6)
    assert "Health talk now" in phone.get("/").get_data(as_text=True)


def test_each_visitor_gets_their_own_form_token_and_it_works(app):
    tokens = []
    for _ in range(2):
        visitor = app.test_client()
        token = csrf_token(visitor, "/")
        answer = visitor.post("/prefs", data={"csrf_token": token, "text_size": "2", "next": "/"})
        assert answer.status_code == 303, answer.status_code
        tokens.append(token)
    assert tokens[0] != tokens[1]
    assert page_cache.cache_of(app).hits >= 1  # the second token was put into the copy


@pytest.mark.parametrize("face", ["/", "/kiosk/"])
def test_language_and_display_settings_each_have_their_own_copy(app, kiosk_token, face):
    def visitor(locale: str, prefs: str | None = None):
        c = app.test_client()
        c.set_cookie("linli_kiosk", kiosk_token)
        c.set_cookie("linli_locale", locale)
        if prefs:
            c.set_cookie("linli_display", prefs)
        return c.get(face).get_data(as_text=True)

    english, traditional, simplified = visitor("en"), visitor("zh_Hant"), visitor("zh_Hans")
    assert '<html lang="en"' in english
    assert '<html lang="zh-Hant"' in traditional
    assert '<html lang="zh-Hans"' in simplified
    large = visitor("en", "21")
    assert "text-2 contrast-high" in large
    assert "text-0" in visitor("en")
    assert "contrast-high" not in visitor("en")


def test_signing_out_shows_its_message_on_the_start_page_even_when_it_is_kept(
    app, client, signed_in_phone, make_resident
):
    client.set_cookie("linli_locale", "en")
    client.get("/")  # the copy exists
    phone = signed_in_phone(make_resident("孙阿姨", age=75))
    page = phone.post(
        "/me/sign-out", data={"csrf_token": csrf_token(phone, "/me")}, follow_redirects=True
    ).get_data(as_text=True)
    assert "You have signed out." in page
    assert "You have signed out." not in client.get("/").get_data(as_text=True)  # and it is not kept


def test_a_signed_in_phone_and_a_kiosk_visit_never_get_the_copy(
    app, client, kiosk_client, session, signed_in_phone, make_resident
):
    client.get("/")
    phone = signed_in_phone(make_resident("周伯伯", age=81))
    answer = phone.get("/")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/me")
    kiosk_client.get("/kiosk/")
    scan_card(kiosk_client, session, make_resident("吴奶奶", age=92))
    answer = kiosk_client.get("/kiosk/")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/kiosk/home")


def test_each_kiosk_has_its_own_attract_screen_and_a_heartbeat_keeps_the_copy(
    app, kiosk_client, session, demo_community
):
    from webapp.domain.kiosk.devices import create_kiosk, pair, start_pairing
    from webapp.domain.privacy.audit import SYSTEM

    second = create_kiosk(session, SYSTEM, demo_community.id, "Lobby 2", "Building 2", scanner_place="right")
    _kiosk, token = pair(session, start_pairing(session, SYSTEM, second))
    session.commit()
    other = app.test_client()
    other.set_cookie("linli_kiosk", token)
    for c in (kiosk_client, other):
        c.set_cookie("linli_locale", "en")
    assert "scanner below the screen" in kiosk_client.get("/kiosk/").get_data(as_text=True)
    assert "to the right of the screen" in other.get("/kiosk/").get_data(as_text=True)
    hits = page_cache.cache_of(app).hits
    beat = kiosk_client.post(
        "/kiosk/heartbeat",
        json={"version": "x"},
        headers={"X-CSRFToken": csrf_token(kiosk_client, "/kiosk/")},
    )
    assert beat.status_code == 200, beat.get_data(as_text=True)
    kiosk_client.get("/kiosk/")
    assert page_cache.cache_of(app).hits == hits + 2  # the heartbeat changed nothing the screen shows


def test_an_address_with_a_made_up_query_is_rendered_not_kept(app, client):
    client.get("/?lang=en")
    kept = len(page_cache.cache_of(app))
    for n in range(5):
        assert client.get(f"/?utm={n}").status_code == 200
    assert len(page_cache.cache_of(app)) == kept
    # A language the app does not speak, or the language named twice: each address would be a copy of its own,
    # and a stranger could push the real copies out by asking for thousands of them.
    for query in ("lang=xx", "lang=xx-1", "lang=en&lang=en", "lang=en&lang=zh_Hans", "lang="):
        assert client.get(f"/?{query}").status_code == 200, query
    assert len(page_cache.cache_of(app)) == kept
    hits = page_cache.cache_of(app).hits
    assert client.get("/?lang=en").status_code == 200  # a language it speaks is still served from its copy
    assert page_cache.cache_of(app).hits == hits + 1


def test_a_request_that_has_read_takes_the_token_of_its_own_snapshot(session, monkeypatch):
    """Under WAL a request's snapshot may be older than the token another thread remembered: a copy rendered
    from that snapshot must be kept under the snapshot's own token, and the remembered one left alone."""
    monkeypatch.setattr(page_cache, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    cache = page_cache.PageCache()
    in_database = session.scalar(select(PageVersion.token))
    assert in_database
    session.rollback()  # a request that has read nothing yet
    cache._token = (1000.0, page_cache._commits, "remembered by another thread")
    assert cache.token(session) == "remembered by another thread"
    session.scalar(select(Notice.id).limit(1))  # the request has read: its snapshot has begun
    assert cache.token(session) == in_database
    assert cache._token == (1000.0, page_cache._commits, "remembered by another thread")
