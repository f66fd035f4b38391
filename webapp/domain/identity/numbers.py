"""Resident ID numbers and mobile numbers: normalise, validate and mask.

Validation follows GB 11643: 17 digits (region, birth date, sequence) and an ISO 7064 MOD 11-2
check character. Masks show the last four characters only, everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from webapp.domain import DomainError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"\d{17}[\dX]")
_MOBILE = re.compile(r"1[3-9]\d{9}")


class InvalidIdNumber(DomainError):
    code = "invalid_id_number"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "length", "characters", "birth_date", "check_digit"


class InvalidPhone(DomainError):
    code = "invalid_phone"


def _fold(raw: str) -> str:
    """Full-width digits and letters to ASCII (NFKC), spaces and hyphens removed, X upper-cased."""
    text = unicodedata.normalize("NFKC", raw)
    return re.sub(r"[\s\-]", "", text).upper()


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise_id_number(raw: str, today: date | None = None) -> str:
    """Return the canonical 18-character ID number, or raise InvalidIdNumber saying why."""
    value = _fold(raw)
    if len(value) != 18:
        raise InvalidIdNumber("length")
    if not _ID_SHAPE.fullmatch(value):
        raise InvalidIdNumber("characters")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date") from None
    if born.year < 1880 or born > (today or date.today()):
        raise InvalidIdNumber("birth_date")
    if check_char(value[:17]) != value[17]:
        raise InvalidIdNumber("check_digit")
    return value


def is_valid_id_number(raw: str) -> bool:
    try:
        normalise_id_number(raw)
    except InvalidIdNumber:
        return False
    return True


def birth_date_from_id(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def normalise_phone(raw: str) -> str:
    """Return an 11-digit mainland mobile number; +86 / 0086 prefixes are dropped."""
    value = _fold(raw).replace("(", "").replace(")", "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    if not _MOBILE.fullmatch(value):
        raise InvalidPhone(raw)
    return value


def mask(value: str, keep: int = 4) -> str:
    """Stars for all but the last *keep* characters: `**************123X`, `*******5678`."""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


def mask_last4(last4: str, length: int) -> str:
    """The mask of a value we no longer hold in clear, from its stored last four characters."""
    return "*" * max(length - len(last4), 0) + last4


# Numbers typed into free text, grouped by spaces or hyphens; full-width digits are read as digits first.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9](?:[ \-]?[0-9]){16}[ \-]?[0-9Xx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9+])(?:(?:\+|00)86[ \-]?)?1[3-9][0-9](?:[ \-]?[0-9]){8}(?![0-9])")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－", "0123456789Xx+-")


@dataclass(frozen=True)
class HiddenNumbers:
    """Free text with ID and mobile numbers masked, and the mobile numbers found (canonical, to encrypt)."""

    text: str
    phones: tuple[str, ...] = ()
    id_numbers: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.phones or self.id_numbers)


def hide_numbers(text: str) -> HiddenNumbers:
    """Mask every ID number (18 characters, even with a wrong check digit) and mainland mobile number in
    *text*, keeping the last four, so that free text never stores them in clear (privacy rule: ID and phone
    numbers only as ciphertext, hashes and last four). The mobile numbers are returned for the caller to keep
    encrypted: someone who types their number into a description usually wants to be called back."""
    ids = 0
    phones: list[str] = []

    def hide_id(match: re.Match[str]) -> str:
        nonlocal ids
        ids += 1
        return mask(_fold(match.group()))

    def hide_mobile(match: re.Match[str]) -> str:
        number = normalise_phone(match.group())
        if number not in phones:
            phones.append(number)
        return mask(number)

    masked = _MOBILE_IN_TEXT.sub(hide_mobile, _ID_IN_TEXT.sub(hide_id, text.translate(_FULL_WIDTH)))
    if not (ids or phones):
        return HiddenNumbers(text)
    return HiddenNumbers(masked, tuple(phones), ids)
