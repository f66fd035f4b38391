"""kiosk-hardware.toml: the contract's keys, safe defaults, and loud errors for anything unsafe or misspelt."""

import pytest

from hardware.config import ConfigError, load_config, normalise_origin

from .conftest import ORIGIN, SECRET, bridge_section, write_toml

FULL = """
[bridge]
port = 8765
origin = "http://localhost:5000/"
secret_file = "bridge.key"

[scanner]
kind = "evdev"
device = "/dev/input/by-id/usb-Newland_Scanner-event-kbd"
terminator = "\\r"
aim_prefix = true
allowed = "https://linli\\\\.example\\\\.org/.*"

[id_reader]
port = "/dev/ttyUSB0"
baudrate = 115200
poll_ms = 250

[printer]
kind = "network"
host = "192.168.1.50"
profile = "TM-T20II"
"""


def test_the_contract_example_loads(tmp_path):
    (tmp_path / "bridge.key").write_text(SECRET + "\n")
    (tmp_path / "kiosk-hardware.toml").write_text(FULL)
    config = load_config(tmp_path / "kiosk-hardware.toml")
    assert config.bridge.host == "127.0.0.1"
    assert config.bridge.port == 8765
    assert config.bridge.origin == ORIGIN  # trailing slash dropped: compared with the Origin header
    assert config.bridge.secret == SECRET
    assert SECRET not in repr(config)
    assert config.scanner.kind == "evdev"
    assert config.scanner.aim_prefix
    assert config.scanner.terminator == "\r"
    assert config.scanner.allowed == r"https://linli\.example\.org/.*"
    assert config.id_reader.port == "/dev/ttyUSB0"
    assert config.id_reader.poll_ms == 250
    assert config.printer.kind == "network"
    assert config.printer.port == 9100
    assert config.printer.paper_check


def test_defaults_mean_no_devices(tmp_path):
    config = load_config(write_toml(tmp_path / "c.toml", {"bridge": bridge_section()}))
    assert config.scanner.kind == "none"
    assert config.id_reader.port == ""
    assert config.printer.kind == "none"


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"bridge": bridge_section(host="0.0.0.0")}, "127.0.0.1"),  # noqa: S104
        ({"bridge": bridge_section(secret="short")}, "at least 16"),
        ({"bridge": bridge_section(secret_file="missing.key")}, "exactly one"),
        ({"bridge": {"port": 1, "origin": ORIGIN, "secret_file": "missing.key"}}, "cannot be read"),
        ({"bridge": {"port": 8765, "secret": SECRET}}, "origin is required"),
        ({"bridge": bridge_section(origin="http://localhost:5000/kiosk")}, "no path"),
        ({"bridge": bridge_section(orgin=ORIGIN)}, "unknown keys: orgin"),
        ({"bridge": bridge_section(), "printers": {}}, "unknown sections"),
        ({"bridge": bridge_section(), "scanner": {"kind": "evdev"}}, "needs device"),
        ({"bridge": bridge_section(), "scanner": {"kind": "hid"}}, "kind must be"),
        (
            {"bridge": bridge_section(), "scanner": {"kind": "serial", "port": "/dev/x", "allowed": "("}},
            "regular",
        ),
        ({"bridge": bridge_section(), "id_reader": {"poll_ms": 1}}, "poll_ms"),
        ({"bridge": bridge_section(), "id_reader": {"baudrate": "fast"}}, "wrong type"),
        ({"bridge": bridge_section(), "printer": {"kind": "usb"}}, "vendor_id"),
        ({"bridge": bridge_section(), "printer": {"kind": "file"}}, "needs path"),
        (
            {"bridge": bridge_section(), "printer": {"kind": "network", "host": "p", "port": "9100"}},
            "wrong type",
        ),
        (
            {"bridge": bridge_section(), "printer": {"kind": "file", "path": "x", "encoding": "utf-8"}},
            "gb18030",
        ),
    ],
)
def test_mistakes_are_errors(tmp_path, sections, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write_toml(tmp_path / "c.toml", sections))


def test_both_secret_and_secret_file_is_an_error(tmp_path):
    (tmp_path / "k").write_text(SECRET)
    with pytest.raises(ConfigError, match="exactly one"):
        load_config(write_toml(tmp_path / "c.toml", {"bridge": bridge_section(secret_file="k")}))


def test_origin_normalisation():
    assert normalise_origin("HTTPS://Kiosk.Example.org") == "https://kiosk.example.org"
    for bad in ("localhost:5000", "ftp://x", "http://user@x", "http://x/?a=1"):
        with pytest.raises(ConfigError):
            normalise_origin(bad)
