"""Frames of the GA/T 467 SAM serial protocol spoken by second-generation ID card readers.

A command frame is ``AA AA AA 96 69 | len (2, big-endian) | CMD | PARA | data | XOR``; a response frame is
``AA AA AA 96 69 | len | SW1 SW2 SW3 | data | XOR``. ``len`` counts everything after itself, checksum
included, and the checksum is the XOR of every byte between the preamble and the checksum. Both the reader
and the simulator use this one module, so the tests exercise the same byte layout a real SAM answers with.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import reduce

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LENGTH = len(PREAMBLE) + 2
# The longest real answer (base message + fingerprints) is 2,314 bytes (0x090A); anything longer is noise.
MAX_BODY_LENGTH = 0x0A00


# (CMD, PARA) pairs of the commands this program sends.
Command = tuple[int, int]

FIND_CARD: Command = (0x20, 0x01)
SELECT_CARD: Command = (0x20, 0x02)
READ_BASE_MESSAGE: Command = (0x30, 0x01)
SAM_STATUS: Command = (0x11, 0xFF)
RESET_SAM: Command = (0x10, 0xFF)


class SamStatus(IntEnum):
    """SW3 codes a SAM answers with (GA/T 467); SW1 and SW2 are 00 in every answer we rely on."""

    OK = 0x90
    NO_CONTENT = 0x91
    CARD_FOUND = 0x9F
    CHECKSUM_ERROR = 0x10
    LENGTH_ERROR = 0x11
    COMMAND_ERROR = 0x21
    NOT_PERMITTED = 0x23
    UNKNOWN_ERROR = 0x24
    CARD_AUTH_SAM_FAILED = 0x31
    SAM_AUTH_CARD_FAILED = 0x32
    VERIFY_FAILED = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORISED = 0x66
    NO_CARD = 0x80
    SELECT_FAILED = 0x81


# Plain words for the log and for staff; never shown with any card data.
STATUS_TEXT: dict[int, str] = {
    SamStatus.OK: "ok",
    SamStatus.NO_CONTENT: "no content for this item",
    SamStatus.CARD_FOUND: "card found",
    SamStatus.CHECKSUM_ERROR: "the reader got a frame with a bad checksum",
    SamStatus.LENGTH_ERROR: "the reader got a frame with a bad length",
    SamStatus.COMMAND_ERROR: "the reader does not know this command",
    SamStatus.NOT_PERMITTED: "operation not permitted",
    SamStatus.UNKNOWN_ERROR: "unknown reader error",
    SamStatus.CARD_AUTH_SAM_FAILED: "the card did not accept the reader's security module",
    SamStatus.SAM_AUTH_CARD_FAILED: "the security module did not accept the card (not a genuine card?)",
    SamStatus.VERIFY_FAILED: "the card's data did not verify",
    SamStatus.UNKNOWN_CARD_TYPE: "not an ID card",
    SamStatus.READ_FAILED: "reading the card failed (moved too early?)",
    SamStatus.RANDOM_FAILED: "the card did not answer the challenge",
    SamStatus.SAM_SELF_TEST_FAILED: "the reader's security module failed its self-test",
    SamStatus.SAM_NOT_AUTHORISED: "the reader's security module is not authorised",
    SamStatus.NO_CARD: "no card on the reader",
    SamStatus.SELECT_FAILED: "selecting the card failed",
}


class FrameError(ValueError):
    """A frame that is truncated, too long or fails its checksum."""


class SamError(RuntimeError):
    """The SAM answered with a status that is not the expected one."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"SAM status 0x{status:02X}: {STATUS_TEXT.get(status, 'unknown status')}")


def checksum(body: bytes) -> int:
    """XOR of every byte between the preamble and the checksum."""
    return reduce(lambda acc, byte: acc ^ byte, body, 0)


def _frame(payload: bytes) -> bytes:
    if len(payload) + 1 > MAX_BODY_LENGTH:
        raise FrameError("frame longer than any real answer")
    body = (len(payload) + 1).to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([checksum(body)])


def encode_command(command: Command, data: bytes = b"") -> bytes:
    """Build the frame the host sends, e.g. find card = ``AA AA AA 96 69 00 03 20 01 22``."""
    cmd, para = command
    return _frame(bytes([cmd, para]) + data)


def encode_response(status: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """Build the frame a SAM answers with (used by the simulator)."""
    return _frame(bytes([sw1, sw2, status]) + data)


def _body(frame: bytes, minimum: int) -> bytes:
    if not frame.startswith(PREAMBLE) or len(frame) < HEADER_LENGTH + minimum:
        raise FrameError("frame too short or without preamble")
    length = int.from_bytes(frame[5:7], "big")
    if length > MAX_BODY_LENGTH:
        raise FrameError("frame longer than any real answer")
    if len(frame) != HEADER_LENGTH + length:
        raise FrameError("frame length does not match its length field")
    if checksum(frame[5:-1]) != frame[-1]:
        raise FrameError("frame checksum mismatch")
    return frame[HEADER_LENGTH:-1]


@dataclass(frozen=True)
class Response:
    """A decoded answer: the three status words and the data between them and the checksum."""

    sw1: int
    sw2: int
    status: int
    data: bytes


def decode_response(frame: bytes) -> Response:
    """Check and split a response frame."""
    body = _body(frame, 4)
    return Response(body[0], body[1], body[2], bytes(body[3:]))


def decode_command(frame: bytes) -> tuple[Command, bytes]:
    """Check and split a command frame (used by the simulator)."""
    body = _body(frame, 3)
    return (body[0], body[1]), bytes(body[2:])


def split_base_message(data: bytes) -> bytes:
    """Return the 256-byte text block of a read-base-message answer and nothing else.

    The answer is text length (2), photo length (2), text, photo. Only the text is sliced out: the photo (WLT)
    bytes are never decoded, kept or passed on, as the privacy rules require.
    """
    if len(data) < 4:
        raise FrameError("base message too short")
    text_length = int.from_bytes(data[0:2], "big")
    if text_length != 256 or len(data) < 4 + text_length:
        raise FrameError("base message has an unexpected text length")
    return bytes(data[4 : 4 + text_length])


class FrameBuffer:
    """Collect bytes from a serial stream and hand out whole frames, skipping noise before a preamble."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return the complete frames now available (checksums are checked by the decoders)."""
        self._buffer += data
        frames: list[bytes] = []
        while True:
            start = self._buffer.find(PREAMBLE)
            if start < 0:
                # Keep a possible partial preamble at the end.
                del self._buffer[: max(0, len(self._buffer) - (len(PREAMBLE) - 1))]
                return frames
            del self._buffer[:start]
            if len(self._buffer) < HEADER_LENGTH:
                return frames
            length = int.from_bytes(self._buffer[5:7], "big")
            if length < 3 or length > MAX_BODY_LENGTH:
                del self._buffer[:1]  # not a real frame start: resynchronise
                continue
            if len(self._buffer) < HEADER_LENGTH + length:
                return frames
            frames.append(bytes(self._buffer[: HEADER_LENGTH + length]))
            del self._buffer[: HEADER_LENGTH + length]

    def clear(self) -> None:
        """Forget any partial frame (after a timeout, so a late answer cannot pair with the next command)."""
        self._buffer.clear()
