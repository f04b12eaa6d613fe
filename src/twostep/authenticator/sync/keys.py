"""The client's keys for sync, derived as docs/sync.md says (well-kept libraries only).

::

    master_key = Argon2id(password (NFKC, UTF-8), salt, kdf)          argon2-cffi
    auth_key   = HKDF-SHA256(master_key, info="twostep-sync/auth/v1")  sent to the server
    wrap_key   = HKDF-SHA256(master_key, info="twostep-sync/wrap/v1")  never sent
    vault_key  = 32 random bytes, wrapped by wrap_key and by the recovery key (AES-256-GCM)
    ciphertext = AES-256-GCM(vault_key, the synced document, padded to 4 KiB)

The server receives ``auth_key`` / ``recovery_auth_key``, wrapped keys and ciphertext, never the
password, ``master_key``, ``wrap_key``, ``vault_key`` or the recovery key.

The **recovery key** is 32 random bytes, written for paper as 56 characters of Base32 in
groups of four: 52 for the key and 4 for a check (the first 20 bits of its SHA-256), so a typo
is caught before the server is asked. Reading accepts any case, spaces and dashes, and the
look-alikes 0, 1 and 8 for O, I and B.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any, Final

from twostep.authenticator.errors import UsageError, WrongPasswordError
from twostep.authenticator.vault.sealed import open_sealed, seal

__all__ = [
    "KEY_SIZE",
    "AccountKeys",
    "decrypt_document",
    "default_kdf",
    "derive",
    "encrypt_document",
    "format_recovery_key",
    "new_salt",
    "parse_recovery_key",
    "recovery_keys",
    "unwrap",
    "wrap",
]

KEY_SIZE: Final = 32
SALT_SIZE: Final = 16
PAD: Final = 4096
_KEY_AAD: Final = b"twostep-sync/vault-key/v1"
_VAULT_AAD: Final = b"twostep-sync/vault/v1"
_NONCE: Final = 12


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text, validate=True)


def default_kdf() -> dict[str, Any]:
    """Argon2id parameters for a new account: 64 MiB, 3 passes (the server's floor is 19 MiB
    and 2 passes; tests with ``TWOSTEP_TEST_INSECURE_KDF=1`` use that floor)."""
    if os.environ.get("TWOSTEP_TEST_INSECURE_KDF") == "1":
        return {"algorithm": "argon2id", "memory_kib": 19456, "iterations": 2, "parallelism": 1}
    return {"algorithm": "argon2id", "memory_kib": 65536, "iterations": 3, "parallelism": 1}


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_SIZE)


def _hkdf(key: bytes, info: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=info.encode()).derive(
        key
    )


@dataclass(frozen=True, slots=True)
class AccountKeys:
    """What a password gives: the key that proves it to the server, and the one that wraps the
    vault key (which stays here)."""

    auth_key: bytes
    wrap_key: bytes


def _check_kdf(kdf: object) -> tuple[int, int, int]:
    if not isinstance(kdf, dict) or kdf.get("algorithm") != "argon2id":
        raise UsageError("the server asked for an unknown key derivation")
    memory, passes, lanes = kdf.get("memory_kib"), kdf.get("iterations"), kdf.get("parallelism")
    if not (isinstance(memory, int) and isinstance(passes, int) and isinstance(lanes, int)):
        raise UsageError("the server's key derivation parameters are malformed")
    # The server's own floor (docs/sync.md): a server cannot make the client send an auth key
    # that is cheaper to guess from than that.
    if not (19456 <= memory <= 1024 * 1024 and 2 <= passes <= 10 and 1 <= lanes <= 4):
        raise UsageError("the server's key derivation parameters are out of bounds")
    return memory, passes, lanes


def derive(password: str, salt: bytes, kdf: dict[str, Any]) -> AccountKeys:
    """``auth_key`` and ``wrap_key`` from the account password (see the module docstring)."""
    from argon2.low_level import Type, hash_secret_raw

    memory, passes, lanes = _check_kdf(kdf)
    master = hash_secret_raw(
        unicodedata.normalize("NFKC", password).encode(),
        salt,
        time_cost=passes,
        memory_cost=memory,
        parallelism=lanes,
        hash_len=KEY_SIZE,
        type=Type.ID,
    )
    return AccountKeys(_hkdf(master, "twostep-sync/auth/v1"), _hkdf(master, "twostep-sync/wrap/v1"))


def recovery_keys(recovery_key: bytes) -> AccountKeys:
    """``recovery_auth_key`` and ``recovery_wrap_key`` (no slow KDF: the key is random)."""
    return AccountKeys(
        _hkdf(recovery_key, "twostep-sync/recovery-auth/v1"),
        _hkdf(recovery_key, "twostep-sync/recovery-wrap/v1"),
    )


def wrap(wrap_key: bytes, vault_key: bytes) -> bytes:
    nonce, sealed = seal(wrap_key, vault_key, _KEY_AAD)
    return nonce + sealed


def unwrap(wrap_key: bytes, wrapped: bytes) -> bytes:
    """The vault key; :class:`WrongPasswordError` if the wrap key is not the right one."""
    key = open_sealed(wrap_key, wrapped[:_NONCE], wrapped[_NONCE:], _KEY_AAD)
    if len(key) != KEY_SIZE:
        raise WrongPasswordError(detail="wrapped key of the wrong size")
    return key


def encrypt_document(vault_key: bytes, document: dict[str, Any]) -> bytes:
    """The synced document as JSON, padded with spaces to a multiple of 4 KiB (so the size
    says little about the number of accounts), sealed with the vault key."""
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    data += b" " * (-len(data) % PAD)
    nonce, sealed = seal(vault_key, data, _VAULT_AAD)
    return nonce + sealed


def decrypt_document(vault_key: bytes, ciphertext: bytes) -> dict[str, Any]:
    """The document; :class:`WrongPasswordError` for a wrong key or any changed byte."""
    data = open_sealed(vault_key, ciphertext[:_NONCE], ciphertext[_NONCE:], _VAULT_AAD)
    try:
        document = json.loads(data)
    except ValueError:
        raise WrongPasswordError(detail="the synced vault is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise WrongPasswordError(detail="the synced vault has no entry list")
    return document


# -- the recovery key on paper ----------------------------------------------------------------
_LOOK_ALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def _check(key: bytes) -> str:
    return base64.b32encode(hashlib.sha256(key).digest()[:5]).decode()[:4]


def format_recovery_key(key: bytes) -> str:
    """``ABCD-EFGH-...``: 14 groups of four characters (the last one a check)."""
    text = base64.b32encode(key).decode().rstrip("=") + _check(key)
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    """The key written by :func:`format_recovery_key`; :class:`UsageError` for a typo."""
    cleaned = "".join(c for c in text.upper() if c.isalnum()).translate(_LOOK_ALIKES)
    if len(cleaned) != 56:
        raise UsageError(
            f"a recovery key has 56 letters and digits (14 groups of 4); this has {len(cleaned)}"
        )
    try:
        key = base64.b32decode(cleaned[:52] + "====")
    except ValueError:
        raise UsageError("the recovery key has a character that cannot be in it") from None
    if len(key) != KEY_SIZE or not secrets.compare_digest(_check(key), cleaned[52:]):
        raise UsageError("the recovery key has a typo (its check group does not match)")
    return key
