"""Read second-generation ID cards through a GA/T 467 SAM on a serial port: find → select → read base message.

A card left on the reader is read once; it must leave the reader (find and select both fail) before it is
read again, so a resident who leaves a card behind does not identify the next visitor. Only the ID number is
passed on; the record stays inside ``CardWatcher.poll`` and nothing of it is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from hardware.config import IdReaderConfig
from hardware.events import DeviceAbsent, DeviceWorker, StatusBoard
from hardware.idcard_protocol import (
    FIND_CARD,
    READ_BASE_MESSAGE,
    SAM_STATUS,
    SELECT_CARD,
    Command,
    FrameBuffer,
    FrameError,
    Response,
    SamError,
    SamStatus,
    decode_response,
    encode_command,
    split_base_message,
)
from hardware.idcard_text import CardDataError, IdCardRecord, parse_text_block

log = logging.getLogger(__name__)


class SerialLink(Protocol):
    """The part of ``serial.Serial`` the reader uses."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...

    def reset_input_buffer(self) -> None: ...

    def close(self) -> None: ...


def open_serial(port: str, baudrate: int) -> SerialLink:
    """Open a reader's UART as GA/T 467 wants it: 8N1, exclusive so no other program talks over us."""
    import serial  # the hardware extra; imported late so the protocol code works without it

    link: SerialLink = serial.Serial(
        port, baudrate, bytesize=8, parity="N", stopbits=1, timeout=0.05, exclusive=True
    )
    return link


class SamReader:
    """One command at a time to the SAM, one checked answer back."""

    def __init__(self, link: SerialLink, timeout_s: float = 1.0) -> None:
        self._link = link
        self._timeout_s = timeout_s
        self._frames = FrameBuffer()

    def transact(self, command: Command) -> Response:
        """Send a command frame and wait for its answer frame."""
        self._link.reset_input_buffer()
        self._frames.clear()
        self._link.write(encode_command(command))
        deadline = time.monotonic() + self._timeout_s
        while time.monotonic() < deadline:
            chunk = self._link.read(max(1, self._link.in_waiting))
            if not chunk:
                continue
            frames = self._frames.feed(chunk)
            if frames:
                return decode_response(frames[0])
        raise TimeoutError(f"no answer from the ID reader to command {command[0]:02X} {command[1]:02X}")

    def check_sam(self) -> None:
        """Ask the SAM whether it is working (a reader without a working SAM reads nothing)."""
        response = self.transact(SAM_STATUS)
        if response.status != SamStatus.OK:
            raise SamError(response.status)

    def find_card(self) -> bool:
        """True when a card not yet read is in the field."""
        status = self.transact(FIND_CARD).status
        if status in (SamStatus.CARD_FOUND, SamStatus.NO_CARD):
            return status == SamStatus.CARD_FOUND
        raise SamError(status)

    def select_card(self) -> bool:
        """True when a card answers selection (also a card already read and still lying there)."""
        status = self.transact(SELECT_CARD).status
        if status in (SamStatus.OK, SamStatus.SELECT_FAILED):
            return status == SamStatus.OK
        raise SamError(status)

    def read_record(self) -> IdCardRecord:
        """Read the base message and parse its text block; the photo bytes are dropped unread."""
        response = self.transact(READ_BASE_MESSAGE)
        if response.status != SamStatus.OK:
            raise SamError(response.status)
        return parse_text_block(split_base_message(response.data))


class CardWatcher:
    """Poll the reader; report each card's ID number once per placing."""

    def __init__(self, reader: SamReader, on_id_number: Callable[[str], None], absent_polls: int = 2) -> None:
        self._reader = reader
        self._on_id_number = on_id_number
        self._absent_polls = absent_polls
        self._absent = 0
        self.waiting_for_removal = False

    def _card_present(self) -> bool:
        # Many SAMs stop answering "find" for a card they have read while it stays in the field, but still
        # let it be selected: presence is either of the two.
        return self._reader.find_card() or self._reader.select_card()

    def poll(self) -> None:
        """One look at the reader: read a newly placed card, or watch a read card until it leaves."""
        if self.waiting_for_removal:
            if self._card_present():
                self._absent = 0
            else:
                self._absent += 1
                if self._absent >= self._absent_polls:
                    self.waiting_for_removal = False
            return
        if not self._reader.find_card() or not self._reader.select_card():
            return
        # Whatever happens now, this placing of the card is used up: lift and place again to retry.
        self.waiting_for_removal = True
        self._absent = 0
        try:
            id_number = self._reader.read_record().id_number
        except (SamError, FrameError, CardDataError) as error:
            log.warning("ID card could not be read: %s", error)
            return
        log.info("ID card read")
        self._on_id_number(id_number)


class IdReaderWorker(DeviceWorker):
    """Keep the reader open and polled; reopen it when it is unplugged or stops answering."""

    device = "id_reader"

    def __init__(
        self,
        config: IdReaderConfig,
        board: StatusBoard,
        on_id_number: Callable[[str], None],
        open_link: Callable[[str, int], SerialLink] = open_serial,
    ) -> None:
        super().__init__(board)
        self.config = config
        self.on_id_number = on_id_number
        self.open_link = open_link

    def session(self) -> None:
        if not Path(self.config.port).exists():
            raise DeviceAbsent(self.config.port)
        link = self.open_link(self.config.port, self.config.baudrate)
        try:
            reader = SamReader(link, self.config.timeout_s)
            reader.check_sam()
            self.board.set(self.device, "ok")
            watcher = CardWatcher(reader, self.on_id_number, self.config.absent_polls)
            while not self.stopping.wait(self.config.poll_ms / 1000):
                watcher.poll()
        finally:
            link.close()
