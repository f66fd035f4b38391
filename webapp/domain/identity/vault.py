"""Keys for personal data: a keyed hash for look-ups and authenticated encryption for the value.

Chinese ID numbers and mobile numbers have so little entropy that a plain or salted hash is
brute-forced in seconds; an HMAC whose key lives outside the database is not. Both keys are derived
from the instance's encryption key, which never enters the database.

cryptography is imported where a key is derived or a value sealed or opened, not here: its Rust library
alone is about 8 MiB of each web worker's memory, and most pages do neither.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

NONCE_BYTES = 12


def _derive(master: bytes, purpose: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"linli:" + purpose).derive(master)


@dataclass(frozen=True)
class Vault:
    lookup_key: bytes
    aead_key: bytes

    @classmethod
    def from_master(cls, master: bytes) -> Vault:
        if len(master) < 32:
            raise ValueError("the encryption key must be at least 32 bytes")
        return cls(lookup_key=_derive(master, b"lookup"), aead_key=_derive(master, b"aead"))

    def index(self, kind: str, value: str) -> str:
        """A stable keyed hash of a normalised value, for equality look-ups."""
        return hmac.new(self.lookup_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def encrypt(self, kind: str, value: str) -> bytes:
        """AES-256-GCM; the kind is bound as associated data, so a phone ciphertext cannot pass as an ID."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + AESGCM(self.aead_key).encrypt(nonce, value.encode(), kind.encode())

    def decrypt(self, kind: str, blob: bytes) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce, body = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        return AESGCM(self.aead_key).decrypt(nonce, body, kind.encode()).decode()


def token_hash(token: str) -> str:
    """Hash a high-entropy random token (card, hand-off); plain SHA-256 is enough at 128+ random bits."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(nbytes: int = 18) -> str:
    """A URL-safe ASCII token: 18 bytes = 144 random bits, 24 characters."""
    return secrets.token_urlsafe(nbytes)
