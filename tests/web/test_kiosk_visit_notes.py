"""A visit's pages note that the resident is still there every few seconds, not on every page (issue 21).

On SQLite each note is a write, and every kiosk page of a visit queued behind the box's one write lock (the
kiosk home in a visit served a tenth of a static file's rate). What a person must not notice: the visit never
ends before the screen's own countdown after their last touch has run out, and a page between notes answers
even while another writer holds the lock."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import csrf_token
from tests.web.test_kiosk_context import scan_card
from webapp.domain.identity.cards import issue_card
from webapp.domain.kiosk.devices import pair, start_pairing
from webapp.domain.kiosk.visits import TOUCH_EVERY, WARNING
from webapp.domain.privacy.audit import SYSTEM
from webapp.models import Community, Household, Kiosk, KioskVisit, Resident


def test_the_visit_outlasts_the_countdown_after_the_last_touch(kiosk_client, session, make_resident, frozen):
    person = make_resident("郑奶奶", age=85)
    scan_card(kiosk_client, session, person)
    kiosk = session.scalar(select(Kiosk).where(Kiosk.device_token_hash.is_not(None)))
    assert kiosk_client.get("/kiosk/tickets").status_code == 200  # noted now
    frozen.advance(seconds=TOUCH_EVERY.total_seconds() - 1)
    assert kiosk_client.get("/kiosk/tickets").status_code == 200  # the last touch: not noted (too soon)
    countdown_over = timedelta(seconds=kiosk.idle_timeout_seconds) + WARNING
    frozen.advance(seconds=countdown_over.total_seconds() - 1)  # the screen still counts down
    page = kiosk_client.get("/kiosk/tickets")
    assert page.status_code == 200, page.headers.get("Location")  # still the resident's visit
    visit = session.scalars(select(KioskVisit).order_by(KioskVisit.id.desc())).first()
    session.refresh(visit)
    assert visit.ended_at is None
    frozen.advance(seconds=countdown_over.total_seconds() + TOUCH_EVERY.total_seconds() + 1)
    assert kiosk_client.get("/kiosk/tickets").status_code == 302  # long gone: the visit is over


def test_a_page_between_notes_answers_while_another_writer_holds_the_lock(live_sqlite):
    app, engine = live_sqlite
    with Session(engine) as s:
        kiosk = s.scalar(select(Kiosk))
        _kiosk, token = pair(s, start_pairing(s, SYSTEM, kiosk))
        person = Resident(
            community=s.scalar(select(Community).where(Community.slug == "guihua")),
            household=s.scalar(select(Household)),
            name="林爷爷",
            birth_date=date(1944, 4, 4),
        )
        s.add(person)
        s.flush()
        card = issue_card(s, SYSTEM, person)
        s.commit()
    client = app.test_client()
    client.set_cookie("linli_kiosk", token)
    scanned = client.post(
        "/kiosk/identify", data={"csrf_token": csrf_token(client, "/kiosk/"), "scan": card.url("https://x")}
    )
    assert scanned.json["ok"]
    assert client.get("/kiosk/tickets").status_code == 200  # noted
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("BEGIN IMMEDIATE")  # someone else is writing, for longer than the busy timeout
        page = client.get("/kiosk/tickets")
        assert page.status_code == 200
        assert "data-finish" in page.get_data(as_text=True)  # still the visit (its Finish button)
    finally:
        raw.cursor().execute("ROLLBACK")
        raw.close()
