"""Heavy work takes turns across the box (issue 21): with one slot, a second hash waits until the first is done,
whichever process (here: thread, with its own file handle) asks. Pages never ask, so they never wait."""

from __future__ import annotations

import threading

from webapp.infra import heavy


def test_a_second_holder_waits_for_the_first_and_then_gets_the_slot(monkeypatch, tmp_path):
    monkeypatch.setenv("LINLI_HEAVY_DIR", str(tmp_path))
    monkeypatch.setattr(heavy, "SLOTS", 1)
    order: list[str] = []
    first_in, release = threading.Event(), threading.Event()

    def first() -> None:
        with heavy.heavy_slot():
            order.append("first in")
            first_in.set()
            release.wait(10)
            order.append("first out")

    asking = threading.Event()

    def second() -> None:
        asking.set()
        with heavy.heavy_slot():
            order.append("second in")

    a = threading.Thread(target=first)
    a.start()
    assert first_in.wait(10)
    b = threading.Thread(target=second)
    b.start()
    assert asking.wait(10)  # it has asked (a thread not yet started would pass what follows without asking)
    b.join(0.3)
    assert b.is_alive()  # still waiting for the slot
    assert order == ["first in"]
    release.set()
    a.join(10)
    b.join(10)
    assert order == ["first in", "first out", "second in"]


def test_with_two_slots_two_holders_work_at_once(monkeypatch, tmp_path):
    monkeypatch.setenv("LINLI_HEAVY_DIR", str(tmp_path))
    monkeypatch.setattr(heavy, "SLOTS", 2)
    with heavy.heavy_slot(), heavy.heavy_slot():  # the second takes the free slot at once
        pass
