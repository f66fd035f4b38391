"""A kiosk's attract screen is served from the process's copy without reading the kiosk's row again
(kiosk/known.py): the row is remembered under the same version token as the copies.

What would go wrong if it were remembered wrongly: an unpaired kiosk still showing the community's screen, a
kiosk's new language not shown, a kiosk with a card reader losing its bridge (the page could no longer reach
it), or another device's cookie taken for this kiosk. Each test looks for that, and for the saving itself."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from tests.web.test_shared_pages import tables_read
from webapp.domain.kiosk.devices import unpair
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra import page_cache
from webapp.models import Kiosk, PageVersion


@pytest.fixture
def still(monkeypatch) -> list[float]:
    """The version token's clock, stopped: a test sees its own commit drop the remembered row, not a second
    that happened to pass on a loaded machine."""
    now = [1000.0]
    monkeypatch.setattr(page_cache, "time", SimpleNamespace(monotonic=lambda: now[0]))
    return now


def the_kiosk(session, demo_community) -> Kiosk:
    return session.scalar(select(Kiosk).where(Kiosk.community_id == demo_community.id))


def test_a_passer_bys_attract_screen_reads_nothing_once_kept(app, kiosk_client, engine, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(page_cache, "time", SimpleNamespace(monotonic=lambda: now[0]))
    first = kiosk_client.get("/kiosk/")
    assert (first.status_code, kiosk_client.get("/kiosk/start").status_code) == (200, 200)  # rendered, kept
    with tables_read(engine) as seen:
        again = kiosk_client.get("/kiosk/")
        start = kiosk_client.get("/kiosk/start")
    assert (again.status_code, start.status_code) == (200, 200)
    assert seen == set()  # not the copy's tables, not the kiosk's row, not the version token
    assert again.get_data(as_text=True).count("data-csrf") == first.get_data(as_text=True).count("data-csrf")
    now[0] += page_cache.TOKEN_FRESH_SECONDS
    with tables_read(engine) as seen:
        kiosk_client.get("/kiosk/")
    assert seen == {"page_version"}  # a second later: the token is read again, nothing else


def test_an_unpaired_kiosk_is_sent_to_pairing_at_once(app, kiosk_client, session, demo_community, still):
    kiosk_client.set_cookie("linli_locale", "en")
    assert kiosk_client.get("/kiosk/").status_code == 200
    assert kiosk_client.get("/kiosk/").status_code == 200  # kept, the kiosk remembered
    unpair(session, SYSTEM, the_kiosk(session, demo_community))
    session.commit()
    answer = kiosk_client.get("/kiosk/")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/kiosk/pair")


def test_unpaired_through_another_process_is_sent_to_pairing_within_the_second(
    app, kiosk_client, demo_community, monkeypatch, request
):
    now = [1000.0]
    monkeypatch.setattr(page_cache, "time", SimpleNamespace(monotonic=lambda: now[0]))
    assert kiosk_client.get("/kiosk/").status_code == 200
    other_process = request.getfixturevalue("_connection")
    other_process.execute(
        update(Kiosk).where(Kiosk.community_id == demo_community.id).values(device_token_hash=None)
    )
    other_process.execute(update(PageVersion).values(token="unpaired-elsewhere"))
    now[0] += page_cache.TOKEN_FRESH_SECONDS
    answer = kiosk_client.get("/kiosk/")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/kiosk/pair")


def test_a_kiosks_new_language_is_on_its_next_screen(app, kiosk_client, session, demo_community, still):
    assert 'lang="zh-Hans"' in kiosk_client.get("/kiosk/").get_data(as_text=True)
    the_kiosk(session, demo_community).default_locale = "en"
    session.commit()
    assert 'lang="en"' in kiosk_client.get("/kiosk/").get_data(as_text=True)


def test_a_kiosk_with_a_reader_keeps_its_bridge_on_a_kept_screen(
    app, kiosk_client, session, demo_community, still
):
    kiosk = the_kiosk(session, demo_community)
    kiosk.has_id_reader = True
    session.commit()
    for _ in range(3):  # rendered, then kept: the answer's policy lets the page reach its bridge each time
        page = kiosk_client.get("/kiosk/")
        assert "connect-src 'self' http://127.0.0.1:8765" in page.headers["Content-Security-Policy"]
    assert page_cache.cache_of(app).hits >= 2


def test_another_devices_cookie_is_not_taken_for_this_kiosk(app, kiosk_client, kiosk_token):
    from kiosk.known import EXTENSION

    assert kiosk_client.get("/kiosk/").status_code == 200
    assert len(app.extensions[EXTENSION]) == 1  # the paired kiosk
    stranger = app.test_client()
    for made_up in (kiosk_token[:-1] + ("A" if kiosk_token[-1] != "A" else "B"), "x", "y" * 101):
        stranger.set_cookie("linli_kiosk", made_up)
        answer = stranger.get("/kiosk/")
        assert answer.status_code == 302, made_up
        assert answer.headers["Location"].endswith("/kiosk/pair")
    assert len(app.extensions[EXTENSION]) == 1  # made-up cookies are never remembered (they cannot fill it)


def test_a_kiosk_paired_again_does_not_answer_its_old_cookie(
    app, kiosk_client, session, demo_community, still
):
    """The new pairing's screen is kept under the new token: the old cookie must not reach that copy."""
    from webapp.domain.kiosk.devices import pair, start_pairing

    assert kiosk_client.get("/kiosk/").status_code == 200
    assert kiosk_client.get("/kiosk/").status_code == 200  # kept, the old pairing remembered
    kiosk = the_kiosk(session, demo_community)
    unpair(session, SYSTEM, kiosk)
    _kiosk, new_token = pair(session, start_pairing(session, SYSTEM, kiosk))
    session.commit()
    new_device = app.test_client()
    new_device.set_cookie("linli_kiosk", new_token)
    assert new_device.get("/kiosk/").status_code == 200
    assert new_device.get("/kiosk/").status_code == 200  # the copy, kept under the new token
    old = kiosk_client.get("/kiosk/")
    assert old.status_code == 302
    assert old.headers["Location"].endswith("/kiosk/pair")


def test_a_failure_while_a_kept_screen_is_served_still_shows_the_kiosks_error_page(
    app, kiosk_client, monkeypatch
):
    """The remembered row is not the kiosk's row: an error page of such a request (its template reads the
    kiosk's community) loads the row first, and the screen keeps its kiosk layout, not the bare fallback a
    failed error page gets (the kiosk would stay on it until someone reloads)."""
    kiosk_client.set_cookie("linli_locale", "en")
    assert kiosk_client.get("/kiosk/").status_code == 200

    def broken(*_args):
        raise RuntimeError("the copies are broken")

    monkeypatch.setattr(page_cache.PageCache, "get", broken)
    answer = kiosk_client.get("/kiosk/")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 500
    assert "theme-kiosk" in page, page[:300]
