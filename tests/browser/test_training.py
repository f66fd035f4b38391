"""Digital-skills training in a real browser: a volunteer checks a resident in by pointing the phone camera at the
resident's card (Chromium's fake camera plays a picture of the card's QR code, and the self-hosted decoder reads
it), on a 360x740 screen, passing axe in every language; lessons and practice still open offline after one visit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from sqlalchemy import select

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PLAYING, Visitor, ask, wait_until
from tests.browser.test_accessibility import violations
from tests.browser.test_pwa import KIOSK, controlled
from webapp.content.training import OFFICE
from webapp.domain.identity.staff import find_staff
from webapp.domain.training import courses
from webapp.infra import clock
from webapp.infra.db import database
from webapp.models import Attendance, Course

LOCALES = ("zh_Hans", "zh_Hant", "en")
CHECKED_IN = {"zh_Hans": "已签到", "zh_Hant": "已報到", "en": "is checked in"}


def y4m_of(picture: Image.Image, path: Path, frames: int = 10) -> Path:
    """A still picture as a YUV4MPEG2 (4:2:0) clip: what --use-file-for-fake-video-capture plays in a loop."""
    picture = picture.convert("YCbCr")
    width, height = picture.size
    y, cb, cr = picture.split()
    half = (width // 2, height // 2)
    frame = b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * frames)
    return path


def card_picture(text: str) -> Image.Image:
    """The card's QR code held in front of a camera: 640x480, the code in the middle on a grey desk."""
    code = qrcode.make(text, border=4).convert("RGB").resize((400, 400), Image.Resampling.NEAREST)
    scene = Image.new("RGB", (640, 480), (128, 128, 128))
    scene.paste(code, (120, 40))
    return scene


@pytest.fixture
def class_now(live_server) -> Iterator[int]:
    """A class of the demo course that is on right now, led by the demo volunteer."""
    with database(live_server.app).sessionmaker() as session:
        course = session.scalars(select(Course).order_by(Course.id)).first()
        volunteer = find_staff(session, "volunteer")
        assert course is not None
        assert volunteer is not None
        values = {
            "place": "Community room",
            "starts_at": clock.now() - timedelta(minutes=10),
            "minutes": 120,
            "capacity": 10,
            "leaders": [volunteer.id],
        }
        ts = courses.save_session(session, OFFICE, course, None, values)
        session.commit()
        yield ts.id


def arrived(live_server, class_id: int) -> set[int]:
    with database(live_server.app).sessionmaker() as session:
        rows = session.scalars(
            select(Attendance.resident_id).where(
                Attendance.training_session_id == class_id, Attendance.checked_in_at.is_not(None)
            )
        )
        return set(rows)


@pytest.fixture
def camera_browser(browser, live_server, tmp_path) -> Iterator[object]:
    """A Chromium whose camera films the sample resident's card (closed by this fixture, passed or failed)."""
    card_link = f"{live_server.url}/c/{live_server.card_token}"
    clip = y4m_of(card_picture(card_link), tmp_path / "card.y4m")
    chromium = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ],
    )
    yield chromium
    for visitor in Visitor.opened:  # its contexts go before it does (their errors are counted after)
        if visitor.context.browser is chromium:
            visitor.shut()
    chromium.close()


def test_volunteer_checks_in_with_the_camera_on_a_phone_in_every_language(
    camera_browser, live_server, class_now
):
    resident_id = live_server.app.config["LINLI_DEMO_IDS"]["resident"]  # whose card the camera sees
    assert arrived(live_server, class_now) == set()
    problems: list[str] = []
    for locale in LOCALES:
        visitor = Visitor(camera_browser, live_server.url, 360, 740, paired=False)
        visitor.context.grant_permissions(["camera"], origin=live_server.url)
        # Linux Chromium has no BarcodeDetector; make sure, so the self-hosted decoder is what reads the card.
        visitor.context.add_init_script("delete window.BarcodeDetector;")
        decoder_loaded: list[str] = []
        visitor.page.on(
            "request", lambda r, seen=decoder_loaded: seen.append(r.url) if "qr-worker" in r.url else None
        )
        visitor.set_locale(locale)
        visitor.sign_in("volunteer")
        # Taps only: the console's training page lists today's class; the roster opens from it.
        visitor.goto("/staff/training")
        problems += [f"[{locale}] /staff/training: {v}" for v in violations(visitor)]
        visitor.tap(visitor.page.locator(f"a[href$='/training/classes/{class_now}']").first)
        problems += [f"[{locale}] roster: {v}" for v in violations(visitor)]
        camera = visitor.page.locator("[data-camera-scan]")
        assert camera.is_visible(), "the camera button is offered where the browser has a camera"
        box = camera.bounding_box()
        assert box is not None
        assert box["height"] >= 48
        with visitor.page.expect_navigation(timeout=30000):
            camera.click()
        assert decoder_loaded, "the self-hosted decoder was not used"
        assert visitor.page.url.endswith(f"/training/classes/{class_now}")
        assert CHECKED_IN[locale] in visitor.page.locator("main").inner_text()
        assert resident_id in arrived(live_server, class_now)
        problems += [f"[{locale}] after check-in: {v}" for v in violations(visitor)]
        assert visitor.page.evaluate("document.documentElement.scrollWidth") <= 360
        # A card that is not one of ours, typed into the same box: a plain message, the page still usable.
        visitor.page.fill("#scan", f"{live_server.url}/c/not-a-card")
        visitor.tap(visitor.page.locator("form.search-form button[type=submit]").first)
        assert visitor.page.locator(".error-summary").is_visible()
        problems += [f"[{locale}] refused card: {v}" for v in violations(visitor)]
        visitor.close()
    assert not problems, "\n".join(problems)


def lesson_code(live_server) -> str:
    with database(live_server.app).sessionmaker() as session:
        from webapp.domain.training.skills import all_skills

        return all_skills(session)[0].code


def test_lessons_and_practice_open_offline_after_one_visit_on_phone_and_kiosk(browser, live_server):
    code = lesson_code(live_server)
    faces = {
        "phone": (Visitor(browser, live_server.url, paired=False, service_worker=True), "", "/"),
        "kiosk": (Visitor(browser, live_server.url, *KIOSK, service_worker=True), "/kiosk", "/kiosk/"),
    }
    for face, (visitor, prefix, home) in faces.items():
        visitor.set_locale("en")
        visitor.goto(home)
        controlled(visitor)
        paths = [f"{prefix}/learn", f"{prefix}/learn/{code}", f"{prefix}/practice", f"{prefix}/practice/scam"]
        paths += [f"{prefix}/practice/form", f"{prefix}/practice/appointment"]
        online = {}
        for path in paths:
            visitor.goto(path)
            online[path] = visitor.page.locator("h1").first.inner_text()
        visitor.context.set_offline(True)
        for path in paths:
            response = visitor.goto(path)
            assert response is not None
            assert response.ok, f"{face} {path} offline"
            assert visitor.page.locator("h1").first.inner_text() == online[path], f"{face} {path} offline"
            assert "You are offline" not in visitor.page.locator("h1").first.inner_text()
        # The lesson's picture and the print styles were kept too, not only the words.
        visitor.goto(f"{prefix}/learn/{code}")
        wait_until(visitor.page, "document.querySelector('.lesson-image').complete")
        assert visitor.page.evaluate("document.querySelector('.lesson-image').naturalWidth") > 0, face
        assert visitor.page.locator("[data-offline-banner]").is_visible(), face
        visitor.context.set_offline(False)
        visitor.close()


def test_a_lesson_reads_itself_aloud_on_a_phone_without_a_voice(browser, live_server):
    """Headless Chromium has no speech voice, as many cheap phones lack one for Chinese: the button plays the
    server's recording of the lesson in the page's language; on the kiosk the layout's own button does it."""
    for locale in ("zh_Hans", "zh_Hant", "en"):
        visitor = Visitor(browser, live_server.url, paired=False)
        visitor.set_locale(locale)
        visitor.goto("/learn/scan_qr")
        assert ask(visitor.page, "speechSynthesis.getVoices().length") == 0
        button = visitor.page.locator("[data-read-aloud]")
        assert button.is_visible()
        with visitor.page.expect_response(lambda r: "/learn/scan_qr/audio/" in r.url) as played:
            button.click()
        assert played.value.status == 200
        assert played.value.url.endswith(f"/audio/{locale}.wav")
        wait_until(visitor.page, PLAYING, timeout=20)  # heard: the player is playing, its time moving
        visitor.close()
