"""The ticket printer through python-escpos's real File and Network printers: bytes on the wire, paper-out from
the printer's own DLE EOT 4 answer, failures mapped to the bridge's error words, health on the board."""

import socket

import pytest
from escpos.printer import Dummy

from hardware.config import PrinterConfig
from hardware.events import EventHub, StatusBoard
from hardware.printer import PrintFailed, TicketPrinter
from hardware.ticket import SAMPLE_TICKET

from .conftest import PAPER_END, FakeNetworkPrinter, wait_until

COMMUNITY = "幸福里社区".encode("gb18030")


def _printer(config: PrinterConfig, **kwargs: object) -> tuple[TicketPrinter, StatusBoard]:
    board = StatusBoard(EventHub(), "test")
    return TicketPrinter(config, board, **kwargs), board


def test_file_printer_writes_the_ticket(tmp_path):
    out = tmp_path / "lp0"
    printer, board = _printer(PrinterConfig(kind="file", path=str(out), profile="TM-T20II"))
    printer.print_ticket(SAMPLE_TICKET)
    data = out.read_bytes()
    assert COMMUNITY in data
    assert b"\x1d(k" in data
    assert data.endswith(b"\x1dV\x00")
    assert board.get("printer") == "ok"
    assert printer.probe() == "ok"


def test_no_printer_configured():
    printer, _ = _printer(PrinterConfig(kind="none"))
    with pytest.raises(PrintFailed) as failed:
        printer.print_ticket(SAMPLE_TICKET)
    assert failed.value.problem == "no_printer"
    assert printer.probe() == "absent"


def test_network_printer_asks_for_paper_then_prints(network_printer):
    config = PrinterConfig(kind="network", host="127.0.0.1", port=network_printer.port, profile="TM-T20II")
    printer, board = _printer(config)
    printer.print_ticket(SAMPLE_TICKET)
    assert wait_until(lambda: network_printer.jobs and network_printer.jobs[-1].endswith(b"\x1dV\x00"))
    job = bytes(network_printer.jobs[-1])
    assert job.startswith(b"\x10\x04\x04")  # DLE EOT 4: paper sensor status, before anything is printed
    assert COMMUNITY in job
    assert board.get("printer") == "ok"


def test_paper_out_prints_nothing_and_says_so():
    fake = FakeNetworkPrinter(paper=PAPER_END)
    try:
        config = PrinterConfig(kind="network", host="127.0.0.1", port=fake.port, profile="TM-T20II")
        printer, board = _printer(config)
        with pytest.raises(PrintFailed) as failed:
            printer.print_ticket(SAMPLE_TICKET)
        assert failed.value.problem == "paper_out"
        assert board.get("printer") == "error"
        assert wait_until(lambda: fake.jobs)
        assert COMMUNITY not in fake.jobs[-1]
        assert printer.probe() == "error"
    finally:
        fake.close()


def test_unreachable_network_printer_is_no_printer():
    with socket.socket() as placeholder:  # a port nobody listens on
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    config = PrinterConfig(kind="network", host="127.0.0.1", port=port, timeout_s=1)
    printer, board = _printer(config)
    board.set("printer", "ok")
    with pytest.raises(PrintFailed) as failed:
        printer.print_ticket(SAMPLE_TICKET)
    assert failed.value.problem == "no_printer"
    assert board.get("printer") == "absent"
    assert printer.probe() == "absent"


class BrokenPrinter(Dummy):
    """A printer whose cable is pulled after the first bytes."""

    def _raw(self, msg: bytes) -> None:
        if len(self.output) > 20:
            raise OSError("write failed")
        super()._raw(msg)


def test_a_failure_mid_ticket_is_printer_error():
    printer, board = _printer(
        PrinterConfig(kind="usb", vendor_id=1, product_id=2), factory=lambda _: BrokenPrinter()
    )
    with pytest.raises(PrintFailed) as failed:
        printer.print_ticket(SAMPLE_TICKET)
    assert failed.value.problem == "printer_error"
    assert board.get("printer") == "error"


def test_file_probe_does_not_truncate_and_spots_missing_nodes(tmp_path):
    out = tmp_path / "ticket.bin"
    out.write_bytes(b"last ticket")
    printer, _ = _printer(PrinterConfig(kind="file", path=str(out)))
    assert printer.probe() == "ok"
    assert out.read_bytes() == b"last ticket"
    gone, _ = _printer(PrinterConfig(kind="file", path="/dev/usb/lp9"))
    assert gone.probe() == "absent"
