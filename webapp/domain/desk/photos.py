"""Photos residents attach to a request: checked by content (not by name), shrunk, and stripped of metadata.

A phone photo's EXIF block usually holds the GPS position of the resident's home and the phone's serial
number; re-encoding only the pixels drops all of it. Pillow decides what the file *is*: a PDF renamed .jpg is
refused, whatever its name or declared type.
"""

from __future__ import annotations

import io
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.domain import DomainError
from webapp.infra import clock
from webapp.models import Photo

MAX_BYTES = 10 * 1024 * 1024  # what a phone camera produces, with room; larger uploads are refused unread
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
LONG_SIDE = 1600
ACCEPTED = {"JPEG", "PNG", "WEBP", "MPO"}


class PhotoError(DomainError):
    code = "photo"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "photo_too_big", "photo_type"


def clean_image(data: bytes) -> tuple[bytes, int, int]:
    """Return a JPEG of the picture alone (no EXIF, no GPS, no comments), at most LONG_SIDE px long."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # by the first photo, not by every worker

    if len(data) > MAX_BYTES:
        raise PhotoError("photo_too_big")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED:
                raise PhotoError("photo_type")
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError("photo_too_big")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)  # keep the picture the right way up, then drop EXIF
            picture = upright.convert("RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoError("photo_type") from exc
    picture.thumbnail((LONG_SIDE, LONG_SIDE))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=82, optimize=True)  # no exif= argument: nothing but pixels is written
    return out.getvalue(), picture.width, picture.height


def store_photo(session: Session, resident_id: int, data: bytes) -> Photo:
    content, width, height = clean_image(data)
    photo = Photo(
        token=secrets.token_urlsafe(16),
        resident_id=resident_id,
        content=content,
        width=width,
        height=height,
        created_at=clock.now(),
    )
    session.add(photo)
    session.flush()
    return photo


def owned_photo(session: Session, resident_id: int, token: str) -> Photo | None:
    return session.scalar(select(Photo).where(Photo.token == token[:32], Photo.resident_id == resident_id))


def attach(session: Session, resident_id: int, token: str, request_id: int) -> bool:
    result = session.execute(
        update(Photo)
        .where(Photo.token == token[:32], Photo.resident_id == resident_id, Photo.request_id.is_(None))
        .values(request_id=request_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
