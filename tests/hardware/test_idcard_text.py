"""The 256-byte text block: every field read from its own slot, dates and long-term validity, check digit."""

from datetime import date

import pytest

from hardware.idcard_simulator import sample_record
from hardware.idcard_text import (
    CardDataError,
    encode_text_block,
    id_check_character,
    is_valid_id_number,
    parse_text_block,
)


def _slot(text: str, width: int) -> bytes:
    raw = text.encode("utf-16-le")
    return raw + b"\x20\x00" * ((width - len(raw)) // 2)


def _block(**overrides: str) -> bytes:
    """A text block built by hand from the published widths, independent of the code under test."""
    values = {
        "name": "李明",
        "sex": "1",
        "nation": "01",
        "birth": "19550305",
        "address": "上海市徐汇区漕溪北路88号",
        "id": "310104195503053013",
        "authority": "上海市公安局徐汇分局",
        "from": "20100101",
        "to": "20300101",
        **overrides,
    }
    widths = [
        ("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70),
        ("id", 36), ("authority", 30), ("from", 16), ("to", 16),
    ]  # fmt: skip
    block = b"".join(_slot(values[key], width) for key, width in widths) + b"\x20\x00" * 18
    assert len(block) == 256
    return block


def test_each_field_comes_from_its_slot():
    record = parse_text_block(_block())
    assert record.name == "李明"
    assert record.sex_code == "1"
    assert record.sex == "male"
    assert record.nation_code == "01"
    assert record.birth_date == date(1955, 3, 5)
    assert record.address == "上海市徐汇区漕溪北路88号"
    assert record.id_number == "310104195503053013"
    assert record.authority == "上海市公安局徐汇分局"
    assert record.valid_from == date(2010, 1, 1)
    assert record.valid_to == date(2030, 1, 1)


def test_long_term_validity_and_lower_case_x():
    record = parse_text_block(_block(to="长期", id="11010519491231002x"))
    assert record.valid_to is None
    assert record.id_number == "11010519491231002X"


def test_encode_is_the_inverse_of_parse():
    record = sample_record()
    block = encode_text_block(record)
    assert len(block) == 256
    assert block[:2] == "王".encode("utf-16-le")
    assert block[122:158].decode("utf-16-le").strip() == record.id_number  # ID number slot: bytes 122–157
    assert parse_text_block(block).__dict__ == record.__dict__


def test_check_character_iso_7064():
    assert id_check_character("11010519491231002") == "X"
    assert is_valid_id_number("440301198506151238")
    assert not is_valid_id_number("440301198506151239")
    assert not is_valid_id_number("44030119850615123")


def test_bad_data_is_refused_without_echoing_it():
    with pytest.raises(CardDataError) as error:
        parse_text_block(_block(id="440301198506151239"))
    assert "440301198506151239" not in str(error.value)
    with pytest.raises(CardDataError):
        parse_text_block(_block(birth="19551305"))
    with pytest.raises(CardDataError):
        parse_text_block(bytes(255))


def test_repr_withholds_personal_data():
    record = sample_record()
    for text in (repr(record), str(record), f"{record!r}"):
        assert record.name not in text
        assert record.id_number not in text
