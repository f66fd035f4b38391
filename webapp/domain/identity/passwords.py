"""Password hashing with argon2id; the parameters follow SecureDrop's (64 MiB, several passes)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from webapp.infra.heavy import heavy_slot

MAX_PASSWORD_LENGTH = 256  # longer input is refused before hashing, so it cannot be used to burn CPU
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2)


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a wrong username costs as much as a wrong password.

    Made on first use, not at import: each argon2 hash takes 64 MiB for a moment, and a worker
    that never sees a sign-in should not pay for it.
    """
    with heavy_slot():
        return _hasher.hash("linli-dummy-password")


def hash_password(password: str) -> str:
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError("password too long")
    with heavy_slot():
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    against = password_hash or _dummy_hash()
    try:
        with heavy_slot():
            return _hasher.verify(against, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
