import pytest
from cryptography.exceptions import InvalidTag

from webapp.domain.identity.vault import Vault, new_token, token_hash


def test_index_is_keyed_and_stable():
    a, b = Vault.from_master(bytes(32)), Vault.from_master(bytes(range(32)))
    assert a.index("id_number", "11010519491231002X") == a.index("id_number", "11010519491231002X")
    assert a.index("id_number", "11010519491231002X") != b.index("id_number", "11010519491231002X")
    assert a.index("id_number", "x") != a.index("phone", "x")


def test_encryption_round_trips_and_binds_the_kind():
    vault = Vault.from_master(bytes(32))
    blob = vault.encrypt("phone", "13800138000")
    assert b"13800138000" not in blob
    assert vault.decrypt("phone", blob) == "13800138000"
    assert vault.encrypt("phone", "13800138000") != blob  # a fresh nonce each time
    with pytest.raises(InvalidTag):
        vault.decrypt("id_number", blob)
    with pytest.raises(InvalidTag):
        Vault.from_master(bytes(range(32))).decrypt("phone", blob)


def test_tokens_are_long_ascii_and_hashed():
    token = new_token()
    assert token.isascii()
    assert len(token) >= 22  # >= 128 random bits
    assert token_hash(token) != token
    assert len({new_token() for _ in range(200)}) == 200
