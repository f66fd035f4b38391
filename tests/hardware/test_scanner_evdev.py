"""Keyboard-wedge scanners grabbed with evdev: key events (real evdev codes and InputEvent objects) decode to the
scanned text with shift and caps lock, the device is grabbed while read and released after."""

import os
import time
from pathlib import Path

import pytest

evdev = pytest.importorskip("evdev")
from evdev import InputEvent, ecodes  # noqa: E402

from hardware.config import ScannerConfig  # noqa: E402
from hardware.events import EventHub, StatusBoard  # noqa: E402
from hardware.scanner_evdev import US_LAYOUT, EvdevScannerWorker, KeyDecoder  # noqa: E402

from .conftest import wait_until  # noqa: E402

URL = "HTTPS://linli.example.org/c/Ab-9_Z?x=1&y=%20#top"


def key_events(text: str) -> list[InputEvent]:
    """What a US-layout wedge scanner sends for ``text``: shift down/up around shifted characters, EV_SYN."""
    reverse: dict[str, tuple[str, bool]] = {}
    for name, (plain, shifted) in US_LAYOUT.items():
        if name.startswith("KEY_KP"):
            continue
        reverse.setdefault(plain, (name, False))
        reverse.setdefault(shifted, (name, True))
    events: list[InputEvent] = []
    now = time.time()
    sec, usec = int(now), int(now % 1 * 1_000_000)

    def key(code: int, value: int) -> None:
        events.append(InputEvent(sec, usec, ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70000 + code))
        events.append(InputEvent(sec, usec, ecodes.EV_KEY, code, value))
        events.append(InputEvent(sec, usec, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))

    for char in text:
        name, shift = reverse[char]
        if shift:
            key(ecodes.KEY_LEFTSHIFT, 1)
        key(ecodes.ecodes[name], 1)
        key(ecodes.ecodes[name], 0)
        if shift:
            key(ecodes.KEY_LEFTSHIFT, 0)
    return events


def decode(events: list[InputEvent], decoder: KeyDecoder | None = None) -> str:
    decoder = decoder or KeyDecoder()
    return "".join(decoder.feed(event.type, event.code, event.value) for event in events)


def test_key_events_decode_to_text_with_shift_and_symbols():
    assert decode(key_events(URL + "\r")) == URL + "\r"
    assert decode(key_events(':/?=&"{}|~!@$^*()_+<>')) == ':/?=&"{}|~!@$^*()_+<>'


def test_caps_lock_flips_letters_only_and_repeats_are_ignored():
    decoder = KeyDecoder()
    caps = [InputEvent(0, 0, ecodes.EV_KEY, ecodes.KEY_CAPSLOCK, v) for v in (1, 0)]
    assert decode(caps + key_events("aB1/"), decoder) == "Ab1/"
    repeat = InputEvent(0, 0, ecodes.EV_KEY, ecodes.KEY_A, 2)
    assert decoder.feed(repeat.type, repeat.code, repeat.value) == ""


def test_keypad_digits_and_enter():
    presses = [
        InputEvent(0, 0, ecodes.EV_KEY, code, value)
        for code in (ecodes.KEY_KP4, ecodes.KEY_KP2, ecodes.KEY_KPENTER)
        for value in (1, 0)
    ]
    assert decode(presses) == "42\r"


class FakeInputDevice:
    """Stands in for evdev.InputDevice (no /dev/input here): a pipe to select on and queued real InputEvents."""

    def __init__(self, events: list[InputEvent]) -> None:
        self._read_fd, self._write_fd = os.pipe()
        self.fd = self._read_fd
        self.pending = list(events)
        self.calls: list[str] = []
        os.write(self._write_fd, b"!")

    def grab(self) -> None:
        self.calls.append("grab")

    def ungrab(self) -> None:
        self.calls.append("ungrab")

    def read(self) -> list[InputEvent]:
        os.read(self._read_fd, 1)
        events, self.pending = self.pending, []
        return events

    def close(self) -> None:
        self.calls.append("close")
        os.close(self._read_fd)
        os.close(self._write_fd)


def test_worker_grabs_the_device_and_emits_accepted_scans(tmp_path: Path):
    node = tmp_path / "usb-Scanner-event-kbd"
    node.touch()
    device = FakeInputDevice(key_events("]Q1" + URL + "\r" + "]Q1not allowed\r"))
    scans: list[str] = []
    board = StatusBoard(EventHub(), "test")
    config = ScannerConfig(kind="evdev", device=str(node), aim_prefix=True)
    worker = EvdevScannerWorker(config, board, scans.append, open_device=lambda path: device)
    worker.start()
    try:
        assert wait_until(lambda: scans == [URL])
        assert board.get("scanner") == "ok"
        assert device.calls == ["grab"]
    finally:
        worker.stop()
    assert device.calls == ["grab", "ungrab", "close"]


def test_worker_reports_a_missing_scanner_as_absent(tmp_path: Path):
    board = StatusBoard(EventHub(), "test")
    board.set("scanner", "ok")
    config = ScannerConfig(kind="evdev", device=str(tmp_path / "gone-event-kbd"))
    worker = EvdevScannerWorker(config, board, print)
    worker.start()
    try:
        assert wait_until(lambda: board.get("scanner") == "absent")
    finally:
        worker.stop()
