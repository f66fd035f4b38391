"""A whole kiosk box without devices: a serial barcode scanner and a GA/T 467 ID card reader on
pseudo-terminals, and a receipt printer that writes its ESC/POS bytes to a file.

The bridge opens the simulated devices with the same code it uses for real ones (pyserial on the pty's slave
side), so the demo, the tests and a developer's laptop exercise the real serial paths, frame parsing and
filters; only the far end of each wire is pretend.
"""

from __future__ import annotations

import os
import tty
from dataclasses import dataclass, field
from pathlib import Path

from hardware.config import BridgeConfig, HardwareConfig, IdReaderConfig, PrinterConfig, ScannerConfig
from hardware.idcard_simulator import SimulatedIdReader

AIM_QR = "]Q1"  # the AIM symbology identifier a scanner puts before a QR code's text


class SimulatedScanner:
    """A USB-CDC / serial scanner: each scan arrives as bytes, AIM prefix first, carriage return last."""

    def __init__(self, terminator: str = "\r", aim_prefix: bool = True) -> None:
        self.terminator = terminator
        self.aim_prefix = aim_prefix
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)

    def scan(self, text: str, symbology: str = AIM_QR) -> None:
        """Send one code as the device would after reading it."""
        prefix = symbology if self.aim_prefix else ""
        os.write(self.master, (prefix + text + self.terminator).encode("utf-8"))

    def stop(self) -> None:
        os.close(self.master)
        os.close(self._slave)


@dataclass
class Simulation:
    """The three simulated devices, and the configuration that points the bridge at them."""

    printer_path: Path
    scanner: SimulatedScanner = field(default_factory=SimulatedScanner)
    id_reader: SimulatedIdReader = field(default_factory=SimulatedIdReader)

    def __post_init__(self) -> None:
        self.id_reader.start()

    def config(self, bridge: BridgeConfig) -> HardwareConfig:
        """What ``python -m hardware --config`` would read for a box with these devices."""
        return HardwareConfig(
            bridge=bridge,
            scanner=ScannerConfig(kind="serial", port=self.scanner.path, terminator="\r", aim_prefix=True),
            id_reader=IdReaderConfig(port=self.id_reader.path, poll_ms=100),
            printer=PrinterConfig(kind="file", path=str(self.printer_path), paper_check=False),
        )

    def toml(self, bridge: BridgeConfig) -> str:
        """The same as a configuration file (the secret itself is left out: pass it in a secret_file)."""
        return "\n".join(
            [
                "[bridge]",
                f"port = {bridge.port}",
                f'origin = "{bridge.origin}"',
                'secret_file = "bridge.key"',
                "",
                "[scanner]",
                'kind = "serial"',
                f'port = "{self.scanner.path}"',
                "aim_prefix = true",
                "",
                "[id_reader]",
                f'port = "{self.id_reader.path}"',
                "",
                "[printer]",
                'kind = "file"',
                f'path = "{self.printer_path}"',
                "paper_check = false",
                "",
            ]
        )

    def stop(self) -> None:
        self.scanner.stop()
        self.id_reader.stop()
