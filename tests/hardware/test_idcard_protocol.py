"""GA/T 467 SAM frames: the exact bytes readers expect, checksums, stream framing, and the base message split."""

import pytest

from hardware.idcard_protocol import (
    FIND_CARD,
    READ_BASE_MESSAGE,
    SAM_STATUS,
    SELECT_CARD,
    FrameBuffer,
    FrameError,
    SamError,
    SamStatus,
    decode_command,
    decode_response,
    encode_command,
    encode_response,
    split_base_message,
)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
        (SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
        (READ_BASE_MESSAGE, "AA AA AA 96 69 00 03 30 01 32"),
        (SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
    ],
)
def test_command_frames_are_the_published_bytes(command, expected):
    assert encode_command(command) == bytes.fromhex(expected)
    assert decode_command(bytes.fromhex(expected)) == (command, b"")


def test_find_card_answer_decodes():
    # What a reader sends when a card is in the field: SW 00 00 9F, four zero bytes.
    frame = bytes.fromhex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    response = decode_response(frame)
    assert (response.sw1, response.sw2, response.status) == (0, 0, SamStatus.CARD_FOUND)
    assert response.data == bytes(4)
    assert encode_response(SamStatus.CARD_FOUND, bytes(4)) == frame


def test_base_message_answer_has_the_standard_length():
    data = (256).to_bytes(2, "big") + (1024).to_bytes(2, "big") + bytes(256) + bytes(1024)
    frame = encode_response(SamStatus.OK, data)
    assert frame[5:7] == bytes.fromhex("0508")  # 1288 = 3 status + 4 lengths + 256 + 1024 + 1 checksum
    assert len(frame) == 1295


def test_checksum_and_length_are_checked():
    frame = bytearray(encode_response(SamStatus.OK, b"\x01\x02"))
    frame[-2] ^= 0xFF
    with pytest.raises(FrameError, match="checksum"):
        decode_response(bytes(frame))
    with pytest.raises(FrameError, match="length"):
        decode_response(encode_response(SamStatus.OK, b"\x01\x02")[:-1])
    with pytest.raises(FrameError):
        decode_response(b"\x00" * 12)


def test_frame_buffer_skips_noise_and_reassembles_split_frames():
    first = encode_response(SamStatus.NO_CARD, bytes(4))
    second = encode_response(SamStatus.OK, bytes(8))
    stream = b"\x00\xff\xaa\xaa" + first + second
    buffer = FrameBuffer()
    frames = []
    for byte in stream:  # one byte at a time, as a slow UART delivers it
        frames += buffer.feed(bytes([byte]))
    assert frames == [first, second]
    assert FrameBuffer().feed(stream) == [first, second]


def test_frame_buffer_resynchronises_after_a_bogus_length():
    good = encode_response(SamStatus.OK)
    bogus = b"\xaa\xaa\xaa\x96\x69\xff\xff"
    assert FrameBuffer().feed(bogus + good) == [good]


def test_split_base_message_returns_the_text_block_only():
    text = bytes(range(256))
    photo = b"WLT" + b"\x99" * 1021
    data = (256).to_bytes(2, "big") + (1024).to_bytes(2, "big") + text + photo
    assert split_base_message(data) == text
    with pytest.raises(FrameError):
        split_base_message((100).to_bytes(2, "big") + (0).to_bytes(2, "big") + bytes(100))


def test_status_codes_become_plain_errors():
    assert "not an ID card" in str(SamError(0x40))
    assert "moved too early" in str(SamError(SamStatus.READ_FAILED))
    assert "0x60" in str(SamError(0x60))
    assert "unknown status" in str(SamError(0x5A))
