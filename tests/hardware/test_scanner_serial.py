"""Serial / USB-CDC scanners over a real pty with pyserial: bytes, terminator, AIM prefix, garbage dropped."""

import os
import tty

import pytest

from hardware.config import ScannerConfig
from hardware.events import EventHub, StatusBoard
from hardware.scanner_serial import SerialScannerWorker

from .conftest import wait_until


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def test_serial_scans_reach_the_page(pty_pair):
    master, path = pty_pair
    scans: list[str] = []
    board = StatusBoard(EventHub(), "test")
    config = ScannerConfig(kind="serial", port=path, baudrate=9600, terminator="\r", aim_prefix=True)
    worker = SerialScannerWorker(config, board, scans.append)
    worker.start()
    try:
        assert wait_until(lambda: board.get("scanner") == "ok")
        os.write(master, b"]Q1https://linli.example.org/c/AbC")
        os.write(master, b"-123\r\n")
        os.write(master, b"]Q1caf\xc3\xa9\r")  # non-ASCII: dropped
        os.write(master, b"no-prefix\r")  # no AIM prefix: dropped
        os.write(master, b"]C0B-0427\r")
        assert wait_until(lambda: len(scans) == 2)
        assert scans == ["https://linli.example.org/c/AbC-123", "B-0427"]
    finally:
        worker.stop()


def test_missing_port_is_absent(tmp_path):
    board = StatusBoard(EventHub(), "test")
    board.set("scanner", "ok")
    worker = SerialScannerWorker(ScannerConfig(kind="serial", port=str(tmp_path / "ttyACM7")), board, print)
    worker.start()
    try:
        assert wait_until(lambda: board.get("scanner") == "absent")
    finally:
        worker.stop()
