"""The kiosk page with the real hardware bridge (hardware/) on loopback: a scan and an ID card read arrive as
events and identify the resident; a ticket is printed as ESC/POS bytes; the heartbeat carries device health."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import select

from hardware.config import BridgeConfig
from hardware.idcard_simulator import sample_record
from hardware.service import HardwareService
from hardware.simulator import Simulation
from tests.browser.conftest import Visitor, wait_until
from webapp.domain.kiosk.devices import bridge_key
from webapp.domain.register.residents import ID_KIND
from webapp.infra.db import database
from webapp.models import Kiosk, Resident
from webapp.shared.context import vault

KIOSK = (1080, 1920)


@pytest.fixture
def bridge(live_server, tmp_path):
    app = live_server.app
    with app.app_context(), database(app).sessionmaker() as session:
        kiosk = session.scalar(select(Kiosk))
        # The demo kiosk has no devices (a kiosk talks only to a bridge it is configured to have): this one has.
        kiosk.has_printer = kiosk.has_id_reader = True
        session.commit()
        key = bridge_key(vault(), kiosk)
        resident = session.scalar(select(Resident).where(Resident.name == live_server.resident_name))
        id_number = vault().decrypt(ID_KIND, resident.id_number_cipher)
    # The devices are `python -m hardware simulate`'s: a serial scanner and an ID card reader on ptys, opened by
    # the bridge's real serial code, and a printer writing to a file.
    box = Simulation(tmp_path / "printer.bin")
    service = HardwareService(box.config(BridgeConfig(0, live_server.url, key)))
    service.start()
    settings = app.config["LINLI"]
    app.config["LINLI"] = dataclasses.replace(settings, extra={**settings.extra, "bridge_port": service.port})
    yield service, box, id_number
    app.config["LINLI"] = settings
    service.stop()
    box.stop()
    with database(app).sessionmaker() as session:
        kiosk = session.scalar(select(Kiosk))
        kiosk.has_printer = kiosk.has_id_reader = False
        session.commit()


def wait_for_listener(service: HardwareService, visitor: Visitor) -> None:
    """Wait until *this* page (not one being left) has its event stream open."""
    visitor.page.wait_for_load_state("load")
    wait_until(visitor.page, "window.linliDevices && window.linliDevices.bridge === 'ok'")
    assert service.hub.listeners >= 1, "the kiosk page did not connect to the bridge"


def test_bridge_scan_id_card_and_printing(browser, live_server, bridge):
    service, box, id_number = bridge
    printed = box.printer_path
    visitor = Visitor(browser, live_server.url, *KIOSK, service_worker=True)
    visitor.set_locale("en")
    visitor.goto("/kiosk/")
    wait_for_listener(service, visitor)
    wait_until(visitor.page, "window.linliDevices.scanner === 'ok' && window.linliDevices.id_reader === 'ok'")
    box.scanner.scan(f"{live_server.url}/c/{live_server.card_token}")  # the scanner reads the resident's card
    visitor.page.wait_for_url(visitor.base + "/kiosk/home")
    assert live_server.resident_name in visitor.page.locator("h1").inner_text()
    visitor.page.click("form[data-finish] button")
    visitor.page.wait_for_url(visitor.base + "/kiosk/")
    visitor.set_locale("en")  # Finish gave the kiosk back its own language: the next person chooses again
    wait_for_listener(service, visitor)
    box.id_reader.place(sample_record(id_number))  # the resident's ID card placed on the kiosk's reader
    visitor.page.wait_for_url(visitor.base + "/kiosk/home")
    assert live_server.resident_name in visitor.page.locator("h1").inner_text()
    # Report a broken stairway light, then print the ticket on the kiosk's printer.
    visitor.goto("/kiosk/report/repair-light/1")
    visitor.page.get_by_role("button", name="Stairway or corridor").click()
    visitor.page.get_by_role("button", name="No", exact=True).click()
    visitor.page.get_by_role("button", name="Send").click()
    visitor.page.get_by_role("button", name="Print a ticket").click()
    visitor.page.locator("#print-status").filter(has_text=re.compile(r"\S")).wait_for()
    assert "Printed" in visitor.page.locator("#print-status").inner_text()
    data = printed.read_bytes()
    number = visitor.page.locator(".clock").inner_text().strip()
    assert number.encode() in data
    assert b"\x1dV" in data  # cut
    assert "桂花社区".encode("gb18030") in data or b"Osmanthus" in data
    with visitor.page.expect_response(lambda r: r.url.endswith("/kiosk/heartbeat")) as answered:
        visitor.page.evaluate(
            "window.linliKioskPost('/kiosk/heartbeat', {version: 'x', devices: window.linliDevices}, true)"
        )
    assert answered.value.ok  # the server has recorded it
    with database(live_server.app).sessionmaker() as session:
        kiosk = session.scalar(select(Kiosk))
        assert kiosk.device_status["bridge"] == "ok"
        assert kiosk.device_status["printer"] == "ok"
        assert kiosk.device_status["scanner"] == "ok"
        assert kiosk.device_status["id_reader"] == "ok"
