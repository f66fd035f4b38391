"""The receipt printer: open it as configured (USB, serial, network port 9100, or a file/device node), check
paper, print a ticket, and report its health.

A connection is opened per ticket and closed after it, so a printer that was switched off or unplugged between
tickets is simply found again next time; one lock keeps two tickets (or a probe) from interleaving their
bytes.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError

from hardware.config import PrinterConfig
from hardware.events import DeviceWorker, Health, StatusBoard
from hardware.ticket import Ticket, render_ticket

log = logging.getLogger(__name__)

PrintProblem = Literal["no_printer", "printer_error", "paper_out"]
PAPER_OUT = 0  # python-escpos paper_status(): 2 plenty, 1 near end, 0 none


class PrintFailed(Exception):
    """A ticket could not be printed; ``problem`` is what ``POST /print`` answers."""

    def __init__(self, problem: PrintProblem) -> None:
        self.problem = problem
        super().__init__(problem)


def open_printer(config: PrinterConfig) -> Escpos:
    """A python-escpos printer object for the configuration (connected lazily by ``open``)."""
    from escpos import printer as escpos_printer

    profile = config.profile
    if config.kind == "usb":
        return escpos_printer.Usb(
            idVendor=config.vendor_id,
            idProduct=config.product_id,
            timeout=int(config.timeout_s * 1000),  # pyusb counts milliseconds
            in_ep=config.in_ep,
            out_ep=config.out_ep,
            profile=profile,
        )
    if config.kind == "serial":
        return escpos_printer.Serial(
            devfile=str(config.port), baudrate=config.baudrate, timeout=config.timeout_s, profile=profile
        )
    if config.kind == "network":
        return escpos_printer.Network(
            host=config.host, port=int(config.port), timeout=config.timeout_s, profile=profile
        )
    if config.kind == "file":
        return escpos_printer.File(devfile=config.path, profile=profile)
    raise PrintFailed("no_printer")


def paper_is_out(printer: Escpos) -> bool:
    """Ask the printer for its paper sensor (DLE EOT 4); printers that cannot answer count as having paper."""
    try:
        return printer.paper_status() == PAPER_OUT
    except NotImplementedError:
        return False
    except Exception as error:  # a printer that ignores real-time status: print anyway
        log.debug("paper status unavailable: %s", type(error).__name__)
        return False


class TicketPrinter:
    """Print tickets one at a time and keep the printer's health on the status board."""

    device = "printer"

    def __init__(
        self,
        config: PrinterConfig,
        board: StatusBoard,
        factory: Callable[[PrinterConfig], Escpos] = open_printer,
    ) -> None:
        self.config = config
        self.board = board
        self.factory = factory
        self._lock = threading.Lock()

    def _session(self, work: Callable[[Escpos], None]) -> None:
        printer = self.factory(self.config)
        try:
            printer.open()
            if self.config.paper_check and paper_is_out(printer):
                raise PrintFailed("paper_out")
            work(printer)
        finally:
            printer.close()

    def print_ticket(self, ticket: Ticket) -> None:
        """Print ``ticket`` or raise ``PrintFailed`` saying why not."""
        if self.config.kind == "none":
            raise PrintFailed("no_printer")
        with self._lock:
            try:
                self._session(lambda printer: render_ticket(printer, ticket, self.config))
            except PrintFailed as failed:
                self.board.set(self.device, "error")
                log.warning("ticket not printed: %s", failed.problem)
                raise
            except DeviceNotFoundError:
                self.board.set(self.device, "absent")
                log.warning("ticket not printed: printer not found")
                raise PrintFailed("no_printer") from None
            except Exception as error:
                self.board.set(self.device, "error")
                log.warning("ticket not printed: %s: %s", type(error).__name__, error)
                raise PrintFailed("printer_error") from None
        self.board.set(self.device, "ok")
        log.info("ticket printed")

    def probe(self) -> Health:
        """Is the printer there and ready? Files are checked without opening (that would truncate them)."""
        if self.config.kind == "none":
            return "absent"
        if self.config.kind == "file":
            path = Path(self.config.path)
            if path.exists():
                return "ok" if os.access(path, os.W_OK) else "error"
            return "ok" if path.parent.is_dir() and not path.is_relative_to("/dev") else "absent"
        if self.config.kind == "serial" and not Path(str(self.config.port)).exists():
            return "absent"
        with self._lock:
            try:
                self._session(lambda printer: None)
            except DeviceNotFoundError:
                return "absent"
            except Exception as error:
                log.debug("printer probe failed: %s", type(error).__name__)
                return "error"
        return "ok"


class PrinterMonitor(DeviceWorker):
    """Probe the printer now and then, so the page knows before a resident asks for a ticket."""

    device = "printer"

    def __init__(self, printer: TicketPrinter, board: StatusBoard) -> None:
        super().__init__(board, retry_s=printer.config.probe_s)
        self.printer = printer

    def session(self) -> None:
        while not self.stopping.is_set():
            self.board.set(self.device, self.printer.probe())
            self.stopping.wait(self.printer.config.probe_s)
