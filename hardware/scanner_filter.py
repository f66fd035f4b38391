"""Turn a scanner's character stream into accepted scans: split on the terminator, check and strip the AIM
symbology prefix, and keep only text the allowed pattern matches.

Whatever is dropped is logged by reason and length only, never by content: a scanned card link is a
credential.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from hardware.config import ScannerConfig

log = logging.getLogger(__name__)

# ISO/IEC 15424 symbology identifier: "]" + code character + modifier, e.g. "]Q1" (QR), "]C0" (Code 128).
AIM_PREFIX = re.compile(r"\][A-Za-z][0-9A-Za-z]")
MAX_SCAN_LENGTH = 2048


@dataclass(frozen=True)
class ScanRules:
    """What makes a scan acceptable."""

    terminator: str = "\r"
    aim_prefix: bool = False
    allowed: re.Pattern[str] = re.compile(r"[\x21-\x7e]{1,512}")

    @classmethod
    def from_config(cls, config: ScannerConfig) -> ScanRules:
        """Rules from the ``[scanner]`` section."""
        return cls(config.terminator, config.aim_prefix, re.compile(config.allowed))


def check_scan(raw: str, rules: ScanRules) -> str | None:
    """The text to pass on for one terminated scan, or None (with a log line) to drop it."""
    text = raw.strip("\r\n")
    if not text:
        return None
    if rules.aim_prefix:
        prefix = AIM_PREFIX.match(text)
        if prefix is None:
            log.info("scan dropped: no AIM symbology prefix (%d characters)", len(text))
            return None
        text = text[prefix.end() :]
    if not rules.allowed.fullmatch(text):
        log.info("scan dropped: characters outside the allowed set (%d characters)", len(text))
        return None
    return text


class ScanAssembler:
    """Collect characters until the terminator, then hand each complete, accepted scan to ``emit``."""

    def __init__(self, rules: ScanRules, emit: Callable[[str], None]) -> None:
        self.rules = rules
        self._emit = emit
        self._buffer = ""

    def feed(self, chars: str) -> None:
        """Add characters as they arrive from the device."""
        self._buffer += chars
        while True:
            end = self._buffer.find(self.rules.terminator)
            if end < 0:
                break
            raw, self._buffer = self._buffer[:end], self._buffer[end + len(self.rules.terminator) :]
            text = check_scan(raw, self.rules)
            if text is not None:
                self._emit(text)
        if len(self._buffer) > MAX_SCAN_LENGTH:
            log.info("scan dropped: no terminator after %d characters", len(self._buffer))
            self._buffer = ""

    def reset(self) -> None:
        """Forget a partial scan (the device went away mid-scan)."""
        self._buffer = ""
