"""Sealing and opening with AES-256-GCM, and opening a vault's payload with its master key.

- :func:`aesgcm`: ``cryptography``'s AESGCM, imported the cheapest way (sessions use it too);
- :func:`seal` / :func:`open_sealed`: AES-256-GCM with a random 96-bit nonce. Any failure to
  open (wrong key, tampered nonce, ciphertext, tag or associated data) raises
  :class:`~twostep.authenticator.errors.WrongPasswordError`: one error, no oracle;
- :func:`open_payload`: the payload dictionary of a parsed vault file (:mod:`.format`), given the
  master key and its key id (from the password or a session); :func:`load_payload` checks its
  shape (see :mod:`.codec` for the entries in it).

Standard library and ``cryptography`` only, no dataclasses: the fast ``code`` path
(:mod:`twostep.authenticator.fastpath`) reads the vault with these same functions as
:class:`~twostep.authenticator.vault.Vault` does.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from twostep.authenticator.errors import VaultLockedError, WrongPasswordError

from .format import KEY_SIZE, NONCE_SIZE

if TYPE_CHECKING:  # pragma: no cover
    from .format import VaultLayout

__all__ = ["aesgcm", "load_payload", "open_payload", "open_sealed", "seal"]


def aesgcm(key: bytes) -> Any:
    """``cryptography``'s AESGCM for ``key``, imported the cheapest way.

    The public module (``cryptography.hazmat.primitives.ciphers.aead``) first imports the whole
    ``ciphers`` package (algorithms, modes...), a few milliseconds that the fast ``code`` path
    cannot spare; ``AESGCM`` itself lives in the Rust binding, so take it from there when it is
    the same class, and fall back to the public import otherwise (another version).
    """
    try:
        from cryptography.hazmat.bindings._rust import openssl

        cls = openssl.aead.AESGCM
    except (ImportError, AttributeError):  # pragma: no cover - other cryptography versions
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM as cls
    return cls(key)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """Encrypt: returns (nonce, ciphertext with tag)."""
    nonce = secrets.token_bytes(NONCE_SIZE)
    return nonce, aesgcm(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    """Decrypt and authenticate, or raise :class:`WrongPasswordError`."""
    from cryptography.exceptions import InvalidTag

    if len(key) != KEY_SIZE or len(nonce) != NONCE_SIZE:
        raise WrongPasswordError(detail="bad key or nonce size")
    try:
        return bytes(aesgcm(key).decrypt(nonce, ciphertext, aad))
    except InvalidTag:
        raise WrongPasswordError(detail="authentication tag mismatch") from None


def load_payload(plaintext: bytes) -> dict[str, Any]:
    """The payload JSON as a dictionary; :class:`ValueError` unless it has an entry list."""
    payload = json.loads(plaintext)
    if not isinstance(payload, dict) or not isinstance(payload.get("entries"), list):
        raise ValueError("payload has no entry list")
    return payload


def open_payload(layout: VaultLayout, master_key: bytes, key_id: str) -> dict[str, Any]:
    """The payload dictionary of ``layout``, opened with ``master_key`` (named ``key_id``).

    :class:`VaultLockedError` when the file's key id is not ``key_id`` (a session from before a
    password change); :class:`WrongPasswordError` for a wrong key or any damaged byte.
    """
    if layout.header.get("key_id") != key_id:
        raise VaultLockedError(
            "the session no longer matches the vault (its password was changed?); unlock again"
        )
    plaintext = open_sealed(master_key, layout.nonce, layout.ciphertext, layout.payload_aad)
    try:
        return load_payload(plaintext)
    except ValueError:
        raise WrongPasswordError(detail="payload is not JSON") from None
