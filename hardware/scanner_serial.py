"""Scanners in serial or USB-CDC mode (``/dev/ttyACM0``), read with pyserial.

These send each code as bytes followed by the configured terminator (usually CR). Codes are ASCII: a byte
outside it decodes to U+FFFD, which no allowed pattern accepts, so a garbled scan is dropped rather than
passed on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from hardware.config import ScannerConfig
from hardware.events import DeviceAbsent, DeviceWorker, StatusBoard
from hardware.scanner_filter import ScanAssembler, ScanRules


class ScannerPort(Protocol):
    """The part of ``serial.Serial`` a scanner needs."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...


def open_scanner_port(port: str, baudrate: int) -> ScannerPort:
    """Open the scanner's port, 8N1, exclusively (a second reader would split scans between the two)."""
    import serial

    link: ScannerPort = serial.Serial(port, baudrate, timeout=0.2, exclusive=True)
    return link


class SerialScannerWorker(DeviceWorker):
    """Read bytes from a serial scanner and feed them to the scan assembler."""

    device = "scanner"

    def __init__(
        self,
        config: ScannerConfig,
        board: StatusBoard,
        emit: Callable[[str], None],
        open_port: Callable[[str, int], ScannerPort] = open_scanner_port,
    ) -> None:
        super().__init__(board)
        self.config = config
        self.open_port = open_port
        self.assembler = ScanAssembler(ScanRules.from_config(config), emit)

    def session(self) -> None:
        if not Path(self.config.port).exists():
            raise DeviceAbsent(self.config.port)
        link = self.open_port(self.config.port, self.config.baudrate)
        self.assembler.reset()
        try:
            self.board.set(self.device, "ok")
            while not self.stopping.is_set():
                chunk = link.read(max(1, link.in_waiting))
                if chunk:
                    self.assembler.feed(chunk.decode("ascii", errors="replace"))
        finally:
            link.close()
