"""Keyboard-wedge scanners grabbed on Linux with evdev, so scans never type into another window.

The scanner is opened by its stable ``/dev/input/by-id/...-event-kbd`` path and grabbed (EVIOCGRAB): while
we hold it, the desktop and the browser get no key events from it. Key events are decoded with a US layout,
which is what scanners emulate; shift gives upper case and the symbols URLs need (``: / ? = &``). Needs read
access to the device node: a udev rule giving the kiosk user the scanner (see docs/kiosk-setup.md).
"""

from __future__ import annotations

import contextlib
import select
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from hardware.config import ScannerConfig
from hardware.events import DeviceAbsent, DeviceWorker, StatusBoard
from hardware.scanner_filter import ScanAssembler, ScanRules

EV_KEY = 0x01  # linux/input-event-codes.h
KEY_UP, KEY_DOWN = 0, 1  # value 2 (auto-repeat) is ignored: scanners do not hold keys

# Key name → (plain, shifted) for the US layout.
US_LAYOUT: dict[str, tuple[str, str]] = {
    **{f"KEY_{letter}": (letter.lower(), letter) for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{f"KEY_{digit}": (digit, shifted) for digit, shifted in zip("1234567890", "!@#$%^&*()", strict=True)},
    "KEY_MINUS": ("-", "_"),
    "KEY_EQUAL": ("=", "+"),
    "KEY_LEFTBRACE": ("[", "{"),
    "KEY_RIGHTBRACE": ("]", "}"),
    "KEY_BACKSLASH": ("\\", "|"),
    "KEY_SEMICOLON": (";", ":"),
    "KEY_APOSTROPHE": ("'", '"'),
    "KEY_GRAVE": ("`", "~"),
    "KEY_COMMA": (",", "<"),
    "KEY_DOT": (".", ">"),
    "KEY_SLASH": ("/", "?"),
    "KEY_SPACE": (" ", " "),
    "KEY_TAB": ("\t", "\t"),
    "KEY_ENTER": ("\r", "\r"),
    "KEY_KPENTER": ("\r", "\r"),
    **{f"KEY_KP{digit}": (digit, digit) for digit in "0123456789"},
    "KEY_KPDOT": (".", "."),
    "KEY_KPMINUS": ("-", "-"),
    "KEY_KPPLUS": ("+", "+"),
    "KEY_KPASTERISK": ("*", "*"),
    "KEY_KPSLASH": ("/", "/"),
}
SHIFT_KEYS = ("KEY_LEFTSHIFT", "KEY_RIGHTSHIFT")


def _key_codes() -> dict[str, int]:
    from evdev import ecodes  # the hardware extra, Linux only

    return {name: code for name, code in ecodes.ecodes.items() if name.startswith("KEY_")}


class KeyDecoder:
    """Turn EV_KEY events into characters, tracking shift and caps lock."""

    def __init__(self, codes: dict[str, int] | None = None) -> None:
        codes = codes if codes is not None else _key_codes()
        self._chars = {codes[name]: chars for name, chars in US_LAYOUT.items()}
        self._shift_codes = {codes[name] for name in SHIFT_KEYS}
        self._caps_code = codes["KEY_CAPSLOCK"]
        self._shift_down: set[int] = set()
        self._caps = False

    def feed(self, event_type: int, code: int, value: int) -> str:
        """The character this event types, or "" for anything that types nothing."""
        if event_type != EV_KEY:
            return ""
        if code in self._shift_codes:
            if value == KEY_DOWN:
                self._shift_down.add(code)
            elif value == KEY_UP:
                self._shift_down.discard(code)
            return ""
        if code == self._caps_code:
            if value == KEY_DOWN:
                self._caps = not self._caps
            return ""
        if value != KEY_DOWN or code not in self._chars:
            return ""
        plain, shifted = self._chars[code]
        shift = bool(self._shift_down)
        if plain.isalpha() and self._caps:
            shift = not shift
        return shifted if shift else plain


class InputDevice(Protocol):
    """The part of ``evdev.InputDevice`` the worker uses."""

    fd: int

    def grab(self) -> None: ...

    def ungrab(self) -> None: ...

    def read(self) -> Iterable[Any]: ...

    def close(self) -> None: ...


def open_input_device(path: str) -> InputDevice:
    """Open an input device node with evdev."""
    import evdev

    device: InputDevice = evdev.InputDevice(path)
    return device


class EvdevScannerWorker(DeviceWorker):
    """Grab the scanner and feed its decoded keys to the scan assembler."""

    device = "scanner"

    def __init__(
        self,
        config: ScannerConfig,
        board: StatusBoard,
        emit: Callable[[str], None],
        open_device: Callable[[str], InputDevice] = open_input_device,
        codes: dict[str, int] | None = None,
    ) -> None:
        super().__init__(board)
        self.config = config
        self.open_device = open_device
        self.assembler = ScanAssembler(ScanRules.from_config(config), emit)
        self.codes = codes

    def session(self) -> None:
        if not Path(self.config.device).exists():
            raise DeviceAbsent(self.config.device)
        device = self.open_device(self.config.device)
        decoder = KeyDecoder(self.codes)
        self.assembler.reset()
        try:
            if self.config.grab:
                device.grab()
            self.board.set(self.device, "ok")
            while not self.stopping.is_set():
                ready, _, _ = select.select([device.fd], [], [], 0.2)
                if not ready:
                    continue
                for event in device.read():
                    chars = decoder.feed(event.type, event.code, event.value)
                    if chars:
                        self.assembler.feed(chars)
        finally:
            if self.config.grab:
                with contextlib.suppress(OSError):  # already gone (unplugged)
                    device.ungrab()
            device.close()
