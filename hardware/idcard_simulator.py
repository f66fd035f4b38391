"""A simulated GA/T 467 ID card reader on a pseudo-terminal, for tests and for trying the kiosk without one.

It answers the real frames (SAM status, find, select, read base message) on the master side of a pty; the
program under test opens the slave side with pyserial exactly as it would open ``/dev/ttyUSB0``. Like many
real SAMs, by default it stops answering "find" for a card it has read until the card leaves the field, while
"select" still succeeds: the case where a naive reader would either re-read or never notice removal.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from dataclasses import dataclass, field
from datetime import date

from hardware.idcard_protocol import (
    FIND_CARD,
    READ_BASE_MESSAGE,
    RESET_SAM,
    SAM_STATUS,
    SELECT_CARD,
    Command,
    FrameBuffer,
    FrameError,
    SamStatus,
    decode_command,
    encode_response,
)
from hardware.idcard_text import IdCardRecord, encode_text_block

PHOTO_LENGTH = 1024


def sample_record(id_number: str = "11010519491231002X", name: str = "王秀英") -> IdCardRecord:
    """A made-up resident whose ID number has a correct check character."""
    return IdCardRecord(
        name=name,
        sex_code="2",
        nation_code="01",
        birth_date=date(1949, 12, 31),
        address="北京市朝阳区幸福里小区3号楼2单元401室",
        id_number=id_number,
        authority="北京市公安局朝阳分局",
        valid_from=date(2015, 6, 1),
        valid_to=None,
    )


@dataclass
class SimulatedCard:
    """A card as the SAM sees it: the text block and an opaque photo block (never decoded by anyone)."""

    record: IdCardRecord
    photo: bytes = field(default=b"WLT" + bytes(PHOTO_LENGTH - 3))


class SimulatedIdReader:
    """Answer SAM frames on a pty until stopped; place and remove cards from the test or the CLI."""

    def __init__(self, halt_after_read: bool = True, halt_finds: int | None = None) -> None:
        self.halt_after_read = halt_after_read
        # Some SAMs reset the RF field now and then and find a card they had halted again: after this many
        # "find" commands (None: never, until the card is lifted).
        self.halt_finds = halt_finds
        self._halt_left = 0
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.commands: list[Command] = []
        self.reads = 0
        self.forced_status: dict[Command, int] = {}
        self.silent = False  # True: behave as an unplugged reader (no answers at all)
        self._card: SimulatedCard | None = None
        self._halted = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._frames = FrameBuffer()
        self._thread = threading.Thread(target=self._serve, name="linli-id-simulator", daemon=True)

    def start(self) -> SimulatedIdReader:
        """Begin answering; returns self for chaining."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and close the pty."""
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self._slave)

    def place(self, card: SimulatedCard | IdCardRecord | None = None) -> None:
        """Put a card on the reader (a fresh placing: the SAM will find it again)."""
        if isinstance(card, IdCardRecord) or card is None:
            card = SimulatedCard(card or sample_record())
        with self._lock:
            self._card, self._halted = card, False

    def remove(self) -> None:
        """Take the card off the reader."""
        with self._lock:
            self._card, self._halted = None, False

    def answer(self, command: Command) -> bytes:
        """The response frame a SAM would send to ``command``."""
        with self._lock:
            if command in self.forced_status:
                return encode_response(self.forced_status[command])
            if command in (SAM_STATUS, RESET_SAM):
                return encode_response(SamStatus.OK)
            if command == FIND_CARD:
                found = self._card is not None and not self._halted
                if self._halted and self.halt_finds is not None:
                    self._halt_left -= 1
                    self._halted = self._halt_left > 0
                return encode_response(SamStatus.CARD_FOUND if found else SamStatus.NO_CARD, bytes(4))
            if command == SELECT_CARD:
                if self._card is None:
                    return encode_response(SamStatus.SELECT_FAILED)
                return encode_response(SamStatus.OK, bytes(8))
            if command == READ_BASE_MESSAGE:
                if self._card is None:
                    return encode_response(SamStatus.READ_FAILED)
                self.reads += 1
                self._halted = self.halt_after_read
                self._halt_left = self.halt_finds or 0
                text = encode_text_block(self._card.record)
                photo = self._card.photo
                lengths = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
                return encode_response(SamStatus.OK, lengths + text + photo)
            return encode_response(SamStatus.COMMAND_ERROR)

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                continue
            for frame in self._frames.feed(chunk):
                try:
                    command, _data = decode_command(frame)
                except FrameError:
                    if not self.silent:
                        os.write(self.master, encode_response(SamStatus.CHECKSUM_ERROR))
                    continue
                self.commands.append(command)
                if not self.silent:
                    os.write(self.master, self.answer(command))
