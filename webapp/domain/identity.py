"""Resident ID numbers and mobile numbers: normalise, validate and mask.

Validation follows GB 11643: 17 digits (region, birth date, sequence) and an ISO 7064 MOD 11-2
check character. Masks show the last four characters only, everywhere.
"""

from __future__ import annotations

import re
import unicodedata
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
