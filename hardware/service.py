"""Wire the configured devices to the bridge and run them: what ``python -m hardware --config ...`` starts.

Each device runs in its own worker thread, so a scanner that is unplugged or a reader that hangs never stops
the others or the bridge. The ID reader hands over only an ID number, published as ``event: id_card`` to
the pages listening at that moment and then forgotten.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from escpos.escpos import Escpos

from hardware import __version__
from hardware.bridge import BridgeServer
from hardware.config import HardwareConfig, PrinterConfig
from hardware.events import DeviceWorker, EventHub, StatusBoard
from hardware.idcard_reader import IdReaderWorker, SerialLink, open_serial
from hardware.printer import PrinterMonitor, TicketPrinter, open_printer

log = logging.getLogger(__name__)


class HardwareService:
    """The bridge plus one worker per configured device."""

    def __init__(
        self,
        config: HardwareConfig,
        printer_factory: Callable[[PrinterConfig], Escpos] = open_printer,
        open_id_link: Callable[[str, int], SerialLink] = open_serial,
    ) -> None:
        self.config = config
        self.hub = EventHub(config.bridge.max_clients)
        self.board = StatusBoard(self.hub, __version__)
        self.printer = TicketPrinter(config.printer, self.board, printer_factory)
        self.bridge = BridgeServer(config.bridge, self.hub, self.board, self.printer)
        self.workers: list[DeviceWorker] = []
        self._open_id_link = open_id_link

    @property
    def port(self) -> int:
        """The bridge's port."""
        return self.bridge.port

    def publish_scan(self, text: str) -> None:
        """A scan accepted by the filter goes to the page as ``event: scan``."""
        if self.hub.publish("scan", {"text": text}) == 0:
            log.info("scan dropped: no kiosk page is listening")

    def publish_id_number(self, id_number: str) -> None:
        """Only the ID number, once, to the pages listening now; never logged, never kept."""
        if self.hub.publish("id_card", {"id_number": id_number}) == 0:
            log.info("ID card read but no kiosk page is listening; dropped")

    def _scanner_worker(self) -> DeviceWorker | None:
        scanner = self.config.scanner
        if scanner.kind == "evdev":
            from hardware.scanner_evdev import EvdevScannerWorker

            return EvdevScannerWorker(scanner, self.board, self.publish_scan)
        if scanner.kind == "serial":
            from hardware.scanner_serial import SerialScannerWorker

            return SerialScannerWorker(scanner, self.board, self.publish_scan)
        return None

    def start(self) -> None:
        """Start the bridge and the device workers."""
        scanner = self._scanner_worker()
        if scanner is not None:
            self.workers.append(scanner)
        if self.config.id_reader.port:
            self.workers.append(
                IdReaderWorker(self.config.id_reader, self.board, self.publish_id_number, self._open_id_link)
            )
        if self.config.printer.kind != "none":
            self.workers.append(PrinterMonitor(self.printer, self.board))
        for worker in self.workers:
            worker.start()
        self.bridge.start()
        log.info("bridge listening on http://127.0.0.1:%d for %s", self.port, self.config.bridge.origin)

    def stop(self) -> None:
        """Stop the bridge and every worker."""
        self.bridge.stop()
        for worker in self.workers:
            worker.stop()


def run(config: HardwareConfig) -> int:
    """Run until SIGTERM or SIGINT (systemd stop, Ctrl-C)."""
    service = HardwareService(config)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping (signal %d)", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    service.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        service.stop()
    return 0
