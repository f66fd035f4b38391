"""The 256-byte text block of a second-generation ID card, as a record.

Layout (UCS-2 little-endian, padded with spaces): name 30, sex code 2, nation code 4, birth date 16
(YYYYMMDD), address 70, ID number 36, issuing authority 30, valid from 16, valid to 16 (YYYYMMDD or 长期),
reserved 36.
The record holds sensitive personal information (PIPL art. 28): its ``repr`` shows nothing of it, so a stray
log line or traceback cannot leak a name or number, and only ``id_number`` ever leaves this program.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

TEXT_BLOCK_LENGTH = 256
# (field, bytes) in card order; the widths add up to 256.
LAYOUT: tuple[tuple[str, int], ...] = (
    ("name", 30),
    ("sex_code", 2),
    ("nation_code", 4),
    ("birth_date", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
)
LONG_TERM = "长期"
SEX_NAMES = {"0": "unknown", "1": "male", "2": "female", "9": "unspecified"}
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class CardDataError(ValueError):
    """The text block is not a well-formed ID card record (the message never contains card data)."""


def id_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of an 18-character ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def is_valid_id_number(value: str) -> bool:
    """True for 17 digits followed by the right check character."""
    return bool(_ID_NUMBER.fullmatch(value)) and id_check_character(value[:17]) == value[17]


@dataclass(frozen=True, repr=False)
class IdCardRecord:
    """What the card's text block says; ``repr`` is deliberately blank of personal data."""

    name: str
    sex_code: str
    nation_code: str
    birth_date: date
    address: str
    id_number: str
    authority: str
    valid_from: date
    valid_to: date | None  # None: long-term (长期)

    def __repr__(self) -> str:
        return "IdCardRecord(<withheld>)"

    @property
    def sex(self) -> str:
        """The sex code in words (GB/T 2261.1)."""
        return SEX_NAMES.get(self.sex_code, "unknown")


def _parse_date(text: str, field: str) -> date:
    if not re.fullmatch(r"[0-9]{8}", text):
        raise CardDataError(f"{field} is not a YYYYMMDD date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise CardDataError(f"{field} is not a calendar date") from None


def split_fields(block: bytes) -> dict[str, str]:
    """Decode each field of the text block to a stripped string."""
    if len(block) != TEXT_BLOCK_LENGTH:
        raise CardDataError("text block must be 256 bytes")
    values: dict[str, str] = {}
    offset = 0
    for field, width in LAYOUT:
        raw = block[offset : offset + width]
        offset += width
        try:
            text = raw.decode("utf-16-le")
        except UnicodeDecodeError:
            raise CardDataError(f"{field} is not UCS-2 text") from None
        values[field] = text.strip(" \x00")
    return values


def parse_text_block(block: bytes) -> IdCardRecord:
    """Turn the 256-byte text block into a record, refusing anything with a wrong ID check character."""
    values = split_fields(block)
    id_number = values["id_number"].upper()
    if not is_valid_id_number(id_number):
        raise CardDataError("ID number is malformed or fails its check character")
    valid_to = None if values["valid_to"] == LONG_TERM else _parse_date(values["valid_to"], "valid_to")
    return IdCardRecord(
        name=values["name"],
        sex_code=values["sex_code"],
        nation_code=values["nation_code"],
        birth_date=_parse_date(values["birth_date"], "birth_date"),
        address=values["address"],
        id_number=id_number,
        authority=values["authority"],
        valid_from=_parse_date(values["valid_from"], "valid_from"),
        valid_to=valid_to,
    )


def _encode_field(text: str, width: int) -> bytes:
    raw = text.encode("utf-16-le")
    if len(raw) > width:
        raise CardDataError("field too long for its slot")
    return raw + " ".encode("utf-16-le") * ((width - len(raw)) // 2)


def encode_text_block(record: IdCardRecord) -> bytes:
    """Lay a record out as a card would (for the simulator and tests)."""
    texts = {
        "name": record.name,
        "sex_code": record.sex_code,
        "nation_code": record.nation_code,
        "birth_date": record.birth_date.strftime("%Y%m%d"),
        "address": record.address,
        "id_number": record.id_number,
        "authority": record.authority,
        "valid_from": record.valid_from.strftime("%Y%m%d"),
        "valid_to": LONG_TERM if record.valid_to is None else record.valid_to.strftime("%Y%m%d"),
        "reserved": "",
    }
    block = b"".join(_encode_field(texts[field], width) for field, width in LAYOUT)
    if len(block) != TEXT_BLOCK_LENGTH:
        raise CardDataError("layout does not add up to 256 bytes")
    return block
