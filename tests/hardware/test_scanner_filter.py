"""Scans are split on the terminator, checked for the AIM prefix and the allowed set; drops are logged without
their content."""

import logging
import re

from hardware.config import ScannerConfig
from hardware.scanner_filter import MAX_SCAN_LENGTH, ScanAssembler, ScanRules, check_scan

CARD = "https://linli.example.org/c/tih-mx-W_HzjYvONEQIHsK2X"


def _assemble(rules: ScanRules, *chunks: str) -> list[str]:
    scans: list[str] = []
    assembler = ScanAssembler(rules, scans.append)
    for chunk in chunks:
        assembler.feed(chunk)
    return scans


def test_terminator_splits_scans_across_chunks():
    rules = ScanRules(terminator="\r")
    assert _assemble(rules, CARD[:10], CARD[10:] + "\rB-04", "27\r") == [CARD, "B-0427"]
    assert _assemble(rules, CARD + "\r\n" + "B-0427\r\n") == [CARD, "B-0427"]  # CRLF scanners
    assert _assemble(ScanRules(terminator="\t"), CARD + "\t") == [CARD]
    assert _assemble(rules, CARD) == []  # no terminator yet: nothing


def test_aim_prefix_is_required_and_stripped_when_configured():
    rules = ScanRules(aim_prefix=True)
    assert _assemble(rules, f"]Q1{CARD}\r", "]C0B-0427\r", f"{CARD}\r") == [CARD, "B-0427"]
    assert _assemble(ScanRules(aim_prefix=False), f"]Q1{CARD}\r") == [f"]Q1{CARD}"]


def test_characters_outside_the_allowed_set_drop_the_scan(caplog):
    rules = ScanRules.from_config(ScannerConfig(allowed=r"https://linli\.example\.org/c/[A-Za-z0-9_-]+"))
    with caplog.at_level(logging.INFO):
        scans = _assemble(rules, f"{CARD}\r", "https://evil.example/c/x\r", "王秀英\r", "a b\r")
    assert scans == [CARD]
    assert caplog.text.count("scan dropped") == 3
    assert "evil" not in caplog.text
    assert "王" not in caplog.text


def test_default_allowed_set_is_printable_ascii():
    rules = ScanRules()
    assert check_scan("ABC-123?x=1&y=2", rules) == "ABC-123?x=1&y=2"
    assert check_scan("tab\there", rules) is None
    assert check_scan("\ufffd", rules) is None
    assert rules.allowed.pattern == re.compile(r"[\x21-\x7e]{1,512}").pattern


def test_a_runaway_stream_without_terminator_is_dropped(caplog):
    with caplog.at_level(logging.INFO):
        scans = _assemble(ScanRules(), "x" * (MAX_SCAN_LENGTH + 1), "ok\r")
    assert scans == ["ok"]
    assert "no terminator" in caplog.text
