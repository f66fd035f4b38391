"""The kiosk box's ``kiosk-hardware.toml``: one frozen, checked settings object.

Unknown keys are errors, not ignored, so a typo (``orgin``) cannot silently leave the bridge open to the wrong
page. The bridge host is fixed to 127.0.0.1: the devices are offered to the page on this box and nobody else.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"
DEFAULT_ALLOWED = r"[\x21-\x7e]{1,512}"  # printable ASCII without spaces: card links and ticket codes
SCANNER_KINDS = ("evdev", "serial", "none")
PRINTER_KINDS = ("usb", "serial", "network", "file", "none")
MIN_SECRET_LENGTH = 16


class ConfigError(ValueError):
    """The configuration is missing something or says something unsafe."""


@dataclass(frozen=True)
class BridgeConfig:
    """Where the bridge listens and whom it answers."""

    port: int
    origin: str
    secret: str = field(repr=False)
    host: str = LOOPBACK
    keepalive_s: float = 15.0
    max_clients: int = 8


@dataclass(frozen=True)
class ScannerConfig:
    """A scanner grabbed through evdev, on a serial port, or none (the page reads a keyboard wedge)."""

    kind: str = "none"
    device: str = ""
    grab: bool = True
    port: str = ""
    baudrate: int = 9600
    terminator: str = "\r"
    aim_prefix: bool = False
    allowed: str = DEFAULT_ALLOWED


@dataclass(frozen=True)
class IdReaderConfig:
    """A GA/T 467 reader on a serial port; an empty port means there is none."""

    port: str = ""
    baudrate: int = 115200
    poll_ms: int = 300
    timeout_s: float = 1.0
    absent_polls: int = 2


@dataclass(frozen=True)
class PrinterConfig:
    """An ESC/POS receipt printer and how to reach it."""

    kind: str = "none"
    profile: str = "default"
    vendor_id: int = 0
    product_id: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01
    port: str | int = ""  # serial: device path; network: TCP port (9100)
    baudrate: int = 19200
    host: str = ""
    path: str = ""
    timeout_s: float = 5.0
    encoding: str = "gb18030"
    qr: str = "auto"  # auto: native GS ( k when the profile has it, else an image; or "native" / "image"
    qr_size: int = 6
    paper_check: bool = True
    probe_s: float = 30.0


@dataclass(frozen=True)
class HardwareConfig:
    """Everything ``python -m hardware`` needs."""

    bridge: BridgeConfig
    scanner: ScannerConfig = ScannerConfig()
    id_reader: IdReaderConfig = IdReaderConfig()
    printer: PrinterConfig = PrinterConfig()


def _section(data: dict[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(f"[{name}] must be a table")
    unknown = set(section) - allowed
    if unknown:
        raise ConfigError(f"[{name}] has unknown keys: {', '.join(sorted(unknown))}")
    return section


def _typed(section: dict[str, Any], name: str, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    value = section.get(key, default)
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise ConfigError(f"[{name}] {key} must be a number")
    if not isinstance(value, kind):
        raise ConfigError(f"[{name}] {key} has the wrong type")
    return value


def normalise_origin(origin: str) -> str:
    """``scheme://host[:port]`` exactly as a browser sends it in the Origin header."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ConfigError("[bridge] origin must look like http://localhost:5000 (no path)")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ConfigError("[bridge] origin must be a bare origin")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _bridge(data: dict[str, Any], base: Path) -> BridgeConfig:
    keys = {"port", "origin", "secret", "secret_file", "host", "keepalive_s", "max_clients"}
    section = _section(data, "bridge", keys)
    host = _typed(section, "bridge", "host", str, LOOPBACK)
    if host != LOOPBACK:
        raise ConfigError("[bridge] host must be 127.0.0.1: the bridge never listens on another address")
    port = _typed(section, "bridge", "port", int, 8765)
    if not 0 <= port <= 65535:
        raise ConfigError("[bridge] port out of range")
    if "origin" not in section:
        raise ConfigError("[bridge] origin is required (the kiosk page's origin)")
    origin = normalise_origin(_typed(section, "bridge", "origin", str, ""))
    if ("secret" in section) == ("secret_file" in section):
        raise ConfigError("[bridge] needs exactly one of secret or secret_file")
    if "secret_file" in section:
        secret_path = base / _typed(section, "bridge", "secret_file", str, "")
        try:
            secret = secret_path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(f"[bridge] secret_file cannot be read: {error.strerror}") from None
    else:
        secret = _typed(section, "bridge", "secret", str, "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"[bridge] secret must be at least {MIN_SECRET_LENGTH} characters")
    keepalive = float(_typed(section, "bridge", "keepalive_s", (int, float), 15.0))
    max_clients = _typed(section, "bridge", "max_clients", int, 8)
    return BridgeConfig(port, origin, secret, host, keepalive, max_clients)


def _scanner(data: dict[str, Any]) -> ScannerConfig:
    keys = {"kind", "device", "grab", "port", "baudrate", "terminator", "aim_prefix", "allowed"}
    section = _section(data, "scanner", keys)
    kind = _typed(section, "scanner", "kind", str, "none")
    if kind not in SCANNER_KINDS:
        raise ConfigError(f"[scanner] kind must be one of {', '.join(SCANNER_KINDS)}")
    config = ScannerConfig(
        kind=kind,
        device=_typed(section, "scanner", "device", str, ""),
        grab=_typed(section, "scanner", "grab", bool, True),
        port=_typed(section, "scanner", "port", str, ""),
        baudrate=_typed(section, "scanner", "baudrate", int, 9600),
        terminator=_typed(section, "scanner", "terminator", str, "\r"),
        aim_prefix=_typed(section, "scanner", "aim_prefix", bool, False),
        allowed=_typed(section, "scanner", "allowed", str, DEFAULT_ALLOWED),
    )
    if kind == "evdev" and not config.device:
        raise ConfigError("[scanner] kind = evdev needs device = /dev/input/by-id/...-event-kbd")
    if kind == "serial" and not config.port:
        raise ConfigError("[scanner] kind = serial needs port = /dev/ttyACM0 (or similar)")
    if not config.terminator:
        raise ConfigError("[scanner] terminator must not be empty")
    try:
        re.compile(config.allowed)
    except re.error:
        raise ConfigError("[scanner] allowed is not a valid regular expression") from None
    return config


def _id_reader(data: dict[str, Any]) -> IdReaderConfig:
    keys = {"port", "baudrate", "poll_ms", "timeout_s", "absent_polls"}
    section = _section(data, "id_reader", keys)
    poll_ms = _typed(section, "id_reader", "poll_ms", int, 300)
    if not 50 <= poll_ms <= 5000:
        raise ConfigError("[id_reader] poll_ms must be between 50 and 5000")
    return IdReaderConfig(
        port=_typed(section, "id_reader", "port", str, ""),
        baudrate=_typed(section, "id_reader", "baudrate", int, 115200),
        poll_ms=poll_ms,
        timeout_s=float(_typed(section, "id_reader", "timeout_s", (int, float), 1.0)),
        absent_polls=max(1, _typed(section, "id_reader", "absent_polls", int, 2)),
    )


def _printer(data: dict[str, Any], base: Path) -> PrinterConfig:
    keys = set(PrinterConfig.__dataclass_fields__)
    section = _section(data, "printer", keys)
    kind = _typed(section, "printer", "kind", str, "none")
    if kind not in PRINTER_KINDS:
        raise ConfigError(f"[printer] kind must be one of {', '.join(PRINTER_KINDS)}")
    port_default: str | int = 9100 if kind == "network" else ""
    port = _typed(section, "printer", "port", int if kind == "network" else str, port_default)
    path = _typed(section, "printer", "path", str, "")
    config = PrinterConfig(
        kind=kind,
        profile=_typed(section, "printer", "profile", str, "default"),
        vendor_id=_typed(section, "printer", "vendor_id", int, 0),
        product_id=_typed(section, "printer", "product_id", int, 0),
        in_ep=_typed(section, "printer", "in_ep", int, 0x82),
        out_ep=_typed(section, "printer", "out_ep", int, 0x01),
        port=port,
        baudrate=_typed(section, "printer", "baudrate", int, 19200),
        host=_typed(section, "printer", "host", str, ""),
        path=str(base / path) if path else "",
        timeout_s=float(_typed(section, "printer", "timeout_s", (int, float), 5.0)),
        encoding=_typed(section, "printer", "encoding", str, "gb18030").lower(),
        qr=_typed(section, "printer", "qr", str, "auto"),
        qr_size=_typed(section, "printer", "qr_size", int, 6),
        paper_check=_typed(section, "printer", "paper_check", bool, kind in ("usb", "serial", "network")),
        probe_s=float(_typed(section, "printer", "probe_s", (int, float), 30.0)),
    )
    needs = {"usb": config.vendor_id and config.product_id, "serial": config.port, "network": config.host}
    if kind in needs and not needs[kind]:
        what = {"usb": "vendor_id and product_id", "serial": "port", "network": "host"}[kind]
        raise ConfigError(f"[printer] kind = {kind} needs {what}")
    if kind == "file" and not config.path:
        raise ConfigError("[printer] kind = file needs path")
    if config.encoding not in ("gb18030", "gbk"):
        raise ConfigError("[printer] encoding must be gb18030 or gbk")
    if config.qr not in ("auto", "native", "image") or not 1 <= config.qr_size <= 16:
        raise ConfigError("[printer] qr must be auto, native or image; qr_size 1-16")
    return config


def parse_config(data: dict[str, Any], base: Path) -> HardwareConfig:
    """Check a parsed TOML document; relative paths are taken from ``base`` (the config file's folder)."""
    unknown = set(data) - {"bridge", "scanner", "id_reader", "printer"}
    if unknown:
        raise ConfigError(f"unknown sections: {', '.join(sorted(unknown))}")
    return HardwareConfig(
        bridge=_bridge(data, base),
        scanner=_scanner(data),
        id_reader=_id_reader(data),
        printer=_printer(data, base),
    )


def load_config(path: str | Path) -> HardwareConfig:
    """Read and check ``kiosk-hardware.toml``."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read {file}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{file} is not valid TOML: {error}") from None
    return parse_config(data, file.resolve().parent)
