"""The ID card reader over a real pty with pyserial, against the simulated SAM: read once per placing, status
words mapped to errors, health reported, and nothing personal in the logs."""

import logging

import pytest

from hardware.config import IdReaderConfig
from hardware.events import EventHub, StatusBoard
from hardware.idcard_protocol import FIND_CARD, READ_BASE_MESSAGE, SELECT_CARD, SamError, SamStatus
from hardware.idcard_reader import IdReaderWorker, SamReader, open_serial
from hardware.idcard_simulator import SimulatedIdReader, sample_record

from .conftest import wait_until


@pytest.fixture
def link(id_reader_sim):
    port = open_serial(id_reader_sim.path, 115200)
    yield port
    port.close()


def test_find_select_read_over_the_serial_line(id_reader_sim, link):
    reader = SamReader(link)
    reader.check_sam()
    assert reader.find_card() is False
    assert reader.select_card() is False
    id_reader_sim.place(sample_record("440301198506151238", "张伟"))
    assert reader.find_card() is True
    assert reader.select_card() is True
    record = reader.read_record()
    assert (record.name, record.id_number) == ("张伟", "440301198506151238")
    assert id_reader_sim.commands[-3:] == [FIND_CARD, SELECT_CARD, READ_BASE_MESSAGE]


def test_unexpected_status_words_raise_plain_errors(id_reader_sim, link):
    reader = SamReader(link)
    id_reader_sim.place()
    id_reader_sim.forced_status[READ_BASE_MESSAGE] = SamStatus.SAM_AUTH_CARD_FAILED
    with pytest.raises(SamError, match="not a genuine card"):
        reader.read_record()
    id_reader_sim.forced_status[FIND_CARD] = SamStatus.SAM_SELF_TEST_FAILED
    with pytest.raises(SamError, match="self-test"):
        reader.find_card()


def test_a_silent_reader_times_out(id_reader_sim, link):
    id_reader_sim.silent = True
    with pytest.raises(TimeoutError):
        SamReader(link, timeout_s=0.2).check_sam()


class Harness:
    """An IdReaderWorker on the simulator, polling fast, collecting what it passes on."""

    def __init__(self, sim: SimulatedIdReader, port: str | None = None, timeout_s: float = 5) -> None:
        """*timeout_s* per reader command: generous, so that a loaded machine's pause is not taken for an
        unplugged reader (the worker would open it again and forget the card still lying there)."""
        self.hub = EventHub()
        self.board = StatusBoard(self.hub, "test")
        self.ids: list[str] = []
        config = IdReaderConfig(port=port or sim.path, poll_ms=50, timeout_s=timeout_s)
        self.worker = IdReaderWorker(config, self.board, self.ids.append)
        self.worker.retry_s = 0.1
        self.sim = sim

    def polls(self, count: int) -> None:
        """Let the worker poll ``count`` more times."""
        start = self.sim.commands.count(FIND_CARD)
        assert wait_until(lambda: self.sim.commands.count(FIND_CARD) >= start + count)


@pytest.fixture
def harness(id_reader_sim):
    made = Harness(id_reader_sim)
    made.worker.start()
    assert wait_until(lambda: made.board.get("id_reader") == "ok")
    yield made
    made.worker.stop()


@pytest.mark.parametrize(
    ("halt_after_read", "halt_finds"),
    [(True, None), (False, None), (True, 3)],
    ids=["sam-halts-read-card", "sam-keeps-finding", "sam-finds-it-again-later"],
)
def test_card_left_on_reader_is_read_once_and_again_after_removal(halt_after_read, halt_finds):
    sim = SimulatedIdReader(halt_after_read=halt_after_read, halt_finds=halt_finds).start()
    harness = Harness(sim)
    harness.worker.start()
    try:
        sim.place()
        assert wait_until(lambda: harness.ids == ["11010519491231002X"])
        harness.polls(10)  # the card stays on the reader
        assert harness.ids == ["11010519491231002X"]
        assert sim.reads == 1
        sim.remove()
        harness.polls(4)
        sim.place(sample_record("440301198506151238"))
        assert wait_until(lambda: len(harness.ids) == 2)
        assert harness.ids == ["11010519491231002X", "440301198506151238"]
    finally:
        harness.worker.stop()
        sim.stop()


def test_a_failed_read_waits_for_the_card_to_be_lifted(harness, id_reader_sim, caplog):
    id_reader_sim.forced_status[READ_BASE_MESSAGE] = SamStatus.READ_FAILED
    with caplog.at_level(logging.WARNING):
        id_reader_sim.place()
        assert wait_until(lambda: "could not be read" in caplog.text)
    assert "moved too early" in caplog.text
    del id_reader_sim.forced_status[READ_BASE_MESSAGE]
    harness.polls(5)
    assert harness.ids == []  # not retried while the card lies there
    id_reader_sim.remove()
    harness.polls(4)
    id_reader_sim.place()
    assert wait_until(lambda: harness.ids == ["11010519491231002X"])


def test_nothing_personal_is_logged(harness, id_reader_sim, caplog):
    record = sample_record()
    with caplog.at_level(logging.DEBUG):
        id_reader_sim.place(record)
        assert wait_until(lambda: harness.ids == [record.id_number])
        id_reader_sim.remove()
        harness.polls(4)
        id_reader_sim.place(sample_record("440301198506151239"))  # bad check digit: refused
        assert wait_until(lambda: "check character" in caplog.text)
    assert "ID card read" in caplog.text
    assert "check character" in caplog.text
    for secret in (record.name, record.id_number, record.address, record.authority, "19491231", "4403011985"):
        assert secret not in caplog.text


def test_health_follows_the_reader(id_reader_sim, tmp_path):
    missing = Harness(id_reader_sim, port=str(tmp_path / "ttyUSB9"))
    missing.board.set("id_reader", "ok")  # so that "absent" below is the worker's word
    missing.worker.start()
    try:
        assert wait_until(lambda: missing.board.get("id_reader") == "absent")
    finally:
        missing.worker.stop()

    harness = Harness(id_reader_sim, timeout_s=0.5)  # silence is what this test is about
    harness.worker.start()
    try:
        assert wait_until(lambda: harness.board.get("id_reader") == "ok", timeout=15)
        id_reader_sim.silent = True  # unplugged mid-way: no more answers
        assert wait_until(lambda: harness.board.get("id_reader") == "error", timeout=15)
        id_reader_sim.silent = False
        assert wait_until(lambda: harness.board.get("id_reader") == "ok", timeout=15)
    finally:
        harness.worker.stop()
