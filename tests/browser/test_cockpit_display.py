"""The lobby display fits its screen whatever the content (issue 23, point 9): a TV cannot scroll.

A long urgent notice and a long ordinary notice, at 1920x1080 and 1080x1920, in every language: each slide in
turn lies inside the screen, nothing is cut mid-line (every text ends inside its box), and a shortened text
ends with "…" beside a QR code to read the rest.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from tests.browser.conftest import Visitor, ask
from tests.conftest import DEMO_PASSWORD, DEMO_PIN, TEST_KEY, VAULT, seed_day
from webapp import create_app, migrations
from webapp.content.demo import seed_demo
from webapp.domain.life.notices import save_notice
from webapp.domain.privacy.audit import SYSTEM
from webapp.infra import clock
from webapp.infra.db import make_engine

LOCALES = ("zh_Hans", "zh_Hant", "en")
LONG = {
    "zh_Hans": "因3号楼主水管爆裂，今天上午10点至下午6点全小区停水。物业正在抢修，请提前储水；行动不便的老人"
    "可拨打物业电话或在大厅自助机上登记，志愿者会送桶装水上门。恢复供水后水可能发黄，请先放水几分钟。" * 2,
    "zh_Hant": "因3號樓主水管爆裂，今天上午10點至下午6點全社區停水。物業正在搶修，請提前儲水；行動不便的長者"
    "可撥打物業電話或在大廳自助機上登記，志願者會送桶裝水上門。恢復供水後水可能發黃，請先放水幾分鐘。" * 2,
    "en": "A burst main in Building 3: no water anywhere in the community from 10 am to 6 pm today. The "
    "property company is repairing it; please store some water now. If you cannot carry water, call the "
    "property office or sign up at the lobby touch screen and a volunteer will bring bottled water to your "
    "door. When the water comes back it may be brown: let it run for a few minutes first. " * 2,
}
TITLES = {
    "zh_Hans": "紧急停水通知：3号楼主水管爆裂，全小区今天白天停水，请大家提前储水并互相转告",
    "zh_Hant": "緊急停水通知：3號樓主水管爆裂，全社區今天白天停水，請大家提前儲水並互相轉告",
    "en": "Water cut today: a burst main in Building 3 stops the water in the whole community; please tell "
    "your neighbours",
}

# Every box that shows text on the display, and whether it lies inside the screen and inside its card.
MEASURE = """(() => {
  const H = innerHeight, W = innerWidth, out = [];
  if (document.documentElement.scrollHeight > H + 1) out.push('page taller than the screen');
  if (document.documentElement.scrollWidth > W + 1) out.push('page wider than the screen');
  const cards = [...document.querySelectorAll('.display-urgent, [data-slide]:not([hidden])')];
  for (const card of cards) {
    const c = card.getBoundingClientRect();
    if (c.bottom > H + 1 || c.right > W + 1) out.push('card outside the screen: ' + card.className);
    for (const el of card.querySelectorAll('h2, h3, p, figure')) {
      if (el.closest('[hidden]') || el.classList.contains('vh')) continue;
      const r = el.getBoundingClientRect();
      if (r.height === 0) continue;
      if (r.bottom > c.bottom + 1 || r.top < c.top - 1) out.push('cut: ' + el.textContent.trim().slice(0, 30));
    }
  }
  return out;
})()"""


@pytest.fixture(scope="module")
def long_display(tmp_path_factory):
    folder = tmp_path_factory.mktemp("display-fit")
    url = f"sqlite:///{folder / 'display.db'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    with Session(engine) as session:
        demo = seed_demo(session, DEMO_PASSWORD, seed_day(), VAULT, DEMO_PIN)
        for urgent in (True, True, False):  # two urgent ones: the second is counted ("other urgent notices")
            save_notice(
                session,
                SYSTEM,
                demo.community.id,
                None,
                {
                    "titles": TITLES,
                    "bodies": LONG,
                    "summaries": LONG,
                    "urgent": urgent,
                    "starts_at": clock.now() - timedelta(hours=1),
                    "ends_at": clock.now() + timedelta(days=1),
                    "building_ids": [],
                    "groups": [],
                },
            )
        session.commit()
    engine.dispose()
    app = create_app({"database_url": url, "instance_path": folder / "instance", "encryption_key": TEST_KEY})
    server = make_server("localhost", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1080, 1920)])
def test_every_slide_fits_the_screen_with_a_long_urgent_notice(browser, long_display, width, height):
    problems: list[str] = []
    for locale in LOCALES:
        visitor = Visitor(browser, long_display, width, height, paired=False)
        visitor.set_locale(locale)
        page = visitor.page
        page.clock.install()
        page.goto(f"{long_display}/display/guihua", wait_until="load")
        urgent = page.locator(".display-urgent")
        slides = page.locator("[data-slide]").count()
        assert slides >= 3
        long_slide_read_more = False
        for n in range(slides):
            shown = page.locator("[data-slide]:not([hidden])")
            problems += [f"[{locale} {width}x{height} slide {n}] {p}" for p in ask(page, MEASURE)]
            if TITLES[locale][:6] in shown.inner_text():  # the long ordinary notice: shortened, with a QR
                long_slide_read_more = shown.locator("[data-more] svg").is_visible()
            page.clock.run_for(12_000)
        assert TITLES[locale][:6] in urgent.inner_text()
        if not urgent.locator("[data-more] svg").is_visible():
            problems.append(f"[{locale} {width}x{height}] no QR code to read the rest of the urgent notice")
        if not long_slide_read_more:
            problems.append(f"[{locale} {width}x{height}] no QR code to read the rest of the long notice")
        visitor.close()
    assert not problems, "\n".join(problems)
