"""Property tests of the GA/T 467 frames: whatever the command, status or data, a frame decodes to what was
encoded; any single corrupted byte, any truncation and any oversized frame is refused with FrameError; a stream
cut anywhere, with noise between frames, gives the frames back whole."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.idcard_protocol import (
    HEADER_LENGTH,
    MAX_BODY_LENGTH,
    PREAMBLE,
    FrameBuffer,
    FrameError,
    decode_command,
    decode_response,
    encode_command,
    encode_response,
)

byte = st.integers(min_value=0, max_value=255)
data = st.binary(max_size=300)
# Longest data a response may carry: the length field counts 3 status bytes, the data and the checksum.
MAX_RESPONSE_DATA = MAX_BODY_LENGTH - 4


@given(cmd=byte, para=byte, payload=data)
def test_command_frames_round_trip(cmd, para, payload):
    assert decode_command(encode_command((cmd, para), payload)) == ((cmd, para), payload)


@given(status=byte, sw1=byte, sw2=byte, payload=data)
def test_response_frames_round_trip(status, sw1, sw2, payload):
    answer = decode_response(encode_response(status, payload, sw1, sw2))
    assert (answer.sw1, answer.sw2, answer.status, answer.data) == (sw1, sw2, status, payload)


@given(
    status=byte, payload=data, where=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255)
)
def test_any_corrupted_byte_is_refused(status, payload, where, flip):
    frame = bytearray(encode_response(status, payload))
    frame[where % len(frame)] ^= flip  # XOR with a non-zero value: the byte really changes
    with pytest.raises(FrameError):
        decode_response(bytes(frame))


@given(status=byte, payload=data, keep=st.integers(min_value=0))
def test_any_truncated_frame_is_refused(status, payload, keep):
    frame = encode_response(status, payload)
    with pytest.raises(FrameError):
        decode_response(frame[: keep % len(frame)])


@given(extra=st.integers(min_value=1, max_value=0xFFFF - MAX_BODY_LENGTH))
@settings(max_examples=50)
def test_oversized_frames_are_refused_both_ways(extra):
    with pytest.raises(FrameError):
        encode_response(0x90, bytes(MAX_RESPONSE_DATA + extra))
    length = MAX_BODY_LENGTH + extra
    forged = PREAMBLE + length.to_bytes(2, "big") + bytes(length)  # as long as its length field says
    with pytest.raises(FrameError, match="longer"):
        decode_response(forged)
    assert FrameBuffer().feed(forged) == []  # the stream reader skips it too


def test_the_longest_real_answer_still_fits():
    frame = encode_response(0x90, bytes(MAX_RESPONSE_DATA))
    assert len(frame) == HEADER_LENGTH + MAX_BODY_LENGTH
    assert len(decode_response(frame).data) == MAX_RESPONSE_DATA


noise = st.binary(max_size=20).filter(lambda b: b"\xaa" not in b)  # noise that cannot start a preamble


@given(
    frames=st.lists(st.tuples(byte, data), min_size=1, max_size=5),
    gaps=st.lists(noise, min_size=6, max_size=6),
    cuts=st.lists(st.integers(min_value=0), max_size=8),
)
def test_a_stream_cut_anywhere_gives_the_frames_back(frames, gaps, cuts):
    encoded = [encode_response(status, payload) for status, payload in frames]
    stream = b"".join(gap + frame for gap, frame in zip(gaps, encoded, strict=False)) + gaps[-1]
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    reader, got = FrameBuffer(), []
    for start, end in zip(points, points[1:], strict=False):
        got += reader.feed(stream[start:end])
    assert got == encoded
