"""ID numbers and mobile numbers: validation accepts exactly the valid ones; masks show at most 4 digits."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.domain.identity.numbers import (
    InvalidIdNumber,
    InvalidPhone,
    check_char,
    is_valid_id_number,
    mask,
    mask_last4,
    normalise_id_number,
    normalise_phone,
)

TODAY = date(2026, 11, 29)
region = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
birth = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequence = st.integers(min_value=0, max_value=999)


def build(region_code: str, born: date, seq: int) -> str:
    first17 = f"{region_code}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


@settings(max_examples=300)
@given(region, birth, sequence)
def test_every_well_formed_id_with_the_right_check_character_is_accepted(region_code, born, seq):
    value = build(region_code, born, seq)
    assert normalise_id_number(value, TODAY) == value
    assert normalise_id_number(value.lower(), TODAY) == value  # a lower-case x is fine
    full_width = value.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert normalise_id_number(full_width, TODAY) == value


@settings(max_examples=300)
@given(region, birth, sequence, st.sampled_from("0123456789X"))
def test_any_other_check_character_is_refused(region_code, born, seq, wrong):
    value = build(region_code, born, seq)
    if wrong == value[-1]:
        return
    with pytest.raises(InvalidIdNumber) as caught:
        normalise_id_number(value[:17] + wrong, TODAY)
    assert caught.value.reason == "check_digit"


@settings(max_examples=300)
@given(st.text(max_size=30))
def test_arbitrary_text_is_accepted_only_if_it_is_a_valid_id(text):
    try:
        value = normalise_id_number(text, TODAY)
    except InvalidIdNumber:
        return
    # Whatever got through is 18 characters, a real birth date and the right check character.
    assert len(value) == 18
    assert check_char(value[:17]) == value[17]
    assert date(int(value[6:10]), int(value[10:12]), int(value[12:14])) <= TODAY


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("11010519491231002", "length"),
        ("1101051949123100XX", "characters"),
        ("110105194913310021", "birth_date"),
        ("110105194912310022", "check_digit"),
    ],
)
def test_each_kind_of_mistake_is_named(value, reason):
    with pytest.raises(InvalidIdNumber) as caught:
        normalise_id_number(value, TODAY)
    assert caught.value.reason == reason


def test_known_valid_and_future_birth_dates():
    assert is_valid_id_number("11010519491231002X")
    future = build("330106", TODAY + timedelta(days=1), 1)
    with pytest.raises(InvalidIdNumber):
        normalise_id_number(future, TODAY)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
    ],
)
def test_mobile_numbers_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "0571-88880000", "phone"])
def test_bad_mobile_numbers_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalise_phone(raw)


@given(st.text(alphabet="0123456789X", min_size=0, max_size=40))
def test_masks_never_show_more_than_four_characters(value):
    for shown in (mask(value), mask_last4(value[-4:], len(value))):
        assert sum(ch != "*" for ch in shown) <= 4
        assert len(shown) == len(value)


def test_mask_examples():
    assert mask("11010519491231002X") == "**************002X"
    assert mask("13800138000") == "*******8000"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("电话13800138000谢谢", "电话*******8000谢谢"),
        ("call +86 139-1234-5678", "call *******5678"),
        ("１３８００１３８０００", "*******8000"),
        ("身份证 110105 19491231 002x", "身份证 **************002X"),
        ("room 1203, 2 units, 3 floors", "room 1203, 2 units, 3 floors"),
    ],
)
def test_numbers_in_free_text_are_masked(typed, stored):
    from webapp.domain.identity.numbers import hide_numbers

    assert hide_numbers(typed).text == stored


@given(
    before=st.text(alphabet="楼梯灯坏了 ,.abc", max_size=20),
    mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    after=st.text(alphabet="楼梯灯坏了 ,.abc", max_size=20),
)
def test_no_mobile_number_survives_in_free_text(before, mobile, after):
    from webapp.domain.identity.numbers import hide_numbers

    hidden = hide_numbers(f"{before}{mobile}{after}")
    assert mobile not in hidden.text
    assert hidden.phones == (mobile,)
