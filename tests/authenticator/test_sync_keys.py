"""The sync keys follow docs/sync.md, and the recovery key survives paper."""

from __future__ import annotations

import secrets

import pytest
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from twostep.authenticator.errors import UsageError, WrongPasswordError
from twostep.authenticator.sync import keys

KDF = {"algorithm": "argon2id", "memory_kib": 19456, "iterations": 2, "parallelism": 1}


def _hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def test_the_derivation_is_the_one_docs_sync_md_writes_down() -> None:
    salt = b"s" * 16
    got = keys.derive("Ｐassword ünïcode", salt, KDF)  # NFKC: the full-width P is a P
    master = hash_secret_raw(
        "Password ünïcode".encode(),
        salt,
        time_cost=2,
        memory_cost=19456,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    )
    assert got.auth_key == _hkdf(master, b"twostep-sync/auth/v1")
    assert got.wrap_key == _hkdf(master, b"twostep-sync/wrap/v1")
    assert got.auth_key != got.wrap_key  # what the server gets says nothing of the wrap key
    recovery = secrets.token_bytes(32)
    rk = keys.recovery_keys(recovery)
    assert rk.auth_key == _hkdf(recovery, b"twostep-sync/recovery-auth/v1")
    assert rk.wrap_key == _hkdf(recovery, b"twostep-sync/recovery-wrap/v1")


def test_wrapped_keys_are_nonce_and_aes_gcm_with_the_documented_aad() -> None:
    wrap_key, vault_key = secrets.token_bytes(32), secrets.token_bytes(32)
    wrapped = keys.wrap(wrap_key, vault_key)
    opened = AESGCM(wrap_key).decrypt(wrapped[:12], wrapped[12:], b"twostep-sync/vault-key/v1")
    assert opened == vault_key
    assert keys.unwrap(wrap_key, wrapped) == vault_key
    with pytest.raises(WrongPasswordError):
        keys.unwrap(secrets.token_bytes(32), wrapped)


def test_the_document_is_padded_and_any_change_is_detected() -> None:
    vault_key = secrets.token_bytes(32)
    small = keys.encrypt_document(vault_key, {"entries": []})
    bigger = keys.encrypt_document(vault_key, {"entries": [{"id": "x" * 100}] * 20})
    assert len(small) == len(bigger) == 12 + 4096 + 16  # the size hides the number of entries
    assert keys.decrypt_document(vault_key, bigger)["entries"][0]["id"] == "x" * 100
    for i in (0, 20, len(small) - 1):
        flipped = bytearray(small)
        flipped[i] ^= 1
        with pytest.raises(WrongPasswordError):
            keys.decrypt_document(vault_key, bytes(flipped))


def test_the_recovery_key_round_trips_through_paper() -> None:
    key = secrets.token_bytes(32)
    text = keys.format_recovery_key(key)
    groups = text.split("-")
    assert len(groups) == 14
    assert all(len(g) == 4 for g in groups)
    assert keys.parse_recovery_key(text) == key
    assert keys.parse_recovery_key(" ".join(groups).lower()) == key  # case and spaces
    look_alike = text.replace("O", "0").replace("I", "1").replace("B", "8")
    assert keys.parse_recovery_key(look_alike) == key


def test_a_typo_in_the_recovery_key_is_caught_before_the_server_is_asked() -> None:
    key = secrets.token_bytes(32)
    text = keys.format_recovery_key(key)
    i = 5
    typo = text[:i] + ("A" if text[i] != "A" else "C") + text[i + 1 :]
    with pytest.raises(UsageError, match="typo"):
        keys.parse_recovery_key(typo)
    with pytest.raises(UsageError, match="56 letters"):
        keys.parse_recovery_key(text[:-5])


@pytest.mark.parametrize(
    "kdf",
    [
        {"algorithm": "scrypt", "memory_kib": 19456, "iterations": 2, "parallelism": 1},
        {"algorithm": "argon2id", "memory_kib": 4 * 1024 * 1024, "iterations": 2, "parallelism": 1},
        {"algorithm": "argon2id", "memory_kib": "lots", "iterations": 2, "parallelism": 1},
    ],
)
def test_a_server_cannot_make_the_client_derive_with_insane_parameters(kdf: dict) -> None:
    with pytest.raises(UsageError):
        keys.derive("pw", b"s" * 16, kdf)


def test_a_server_cannot_lower_the_kdf_below_its_own_floor() -> None:
    cheap = {"algorithm": "argon2id", "memory_kib": 8192, "iterations": 1, "parallelism": 1}
    with pytest.raises(UsageError):
        keys.derive("pw", b"s" * 16, cheap)
