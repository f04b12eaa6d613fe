"""Encryption at rest: AES-256-GCM under keys derived (HKDF-SHA256) from ``TWOSTEP_SECRET_KEYS``.

Pure code, no Django. Each configured key string gives

- an encryption key: ``HKDF(ikm=key, salt=b"twostep", info=b"twostep:aes-256-gcm:v1")``;
- a key id (16 hex characters from ``HKDF(..., info=b"twostep:key-id:v1")``) stored beside each
  ciphertext, so a row says which key sealed it and rotation knows what to re-encrypt.

Every ciphertext is bound to its row with associated data (``aad``), e.g.
``b"twostep:device:<device id>:<user id>"``: a ciphertext copied into another row does not
decrypt. Any failure to decrypt (wrong key, tampered bytes, wrong row) raises the single
:class:`DecryptionError`.

Functions: :class:`Keyring` (``seal``, ``open``, ``current_key_id``, ``has_key``),
:func:`derive_django_secret`, :func:`link_token_hash` (what is stored of a one-time link's
token: invitations, the owner's setup link).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["DecryptionError", "Keyring", "derive_django_secret", "link_token_hash"]

_NONCE_BYTES = 12
_SALT = b"twostep"


class DecryptionError(Exception):
    """A ciphertext could not be opened (unknown key, tampered, or bound to another row)."""

    def __init__(self) -> None:
        super().__init__("the stored secret cannot be decrypted with the configured keys")


def _hkdf(key: str, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT, info=info).derive(
        key.encode("utf-8")
    )


def derive_django_secret(key: str) -> str:
    """Django's ``SECRET_KEY`` (sessions, CSRF, signing) derived from one of our keys."""
    return _hkdf(key, b"twostep:django-secret-key:v1", 48).hex()


@dataclass(frozen=True)
class _Key:
    key_id: str
    aead: AESGCM

    def __repr__(self) -> str:
        return f"_Key({self.key_id})"


class Keyring:
    """The configured keys, the first one current."""

    def __init__(self, keys: tuple[str, ...] | list[str]) -> None:
        if not keys:
            raise ValueError("no secret keys configured")
        self._keys: dict[str, _Key] = {}
        self._current = ""
        for key in keys:
            key_id = _hkdf(key, b"twostep:key-id:v1", 8).hex()
            if not self._current:
                self._current = key_id
            self._keys.setdefault(
                key_id, _Key(key_id, AESGCM(_hkdf(key, b"twostep:aes-256-gcm:v1")))
            )

    def __repr__(self) -> str:
        return f"Keyring(current={self._current}, keys={len(self._keys)})"

    @property
    def current_key_id(self) -> str:
        return self._current

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def has_key(self, key_id: str) -> bool:
        return key_id in self._keys

    def seal(self, plaintext: bytes, aad: bytes) -> tuple[bytes, str]:
        """Encrypt under the current key: returns ``(nonce + ciphertext + tag, key id)``."""
        nonce = os.urandom(_NONCE_BYTES)
        key = self._keys[self._current]
        return nonce + key.aead.encrypt(nonce, plaintext, aad), key.key_id

    def open(self, sealed: bytes, key_id: str, aad: bytes) -> bytes:
        """Decrypt what :meth:`seal` made; raises :class:`DecryptionError` on any failure."""
        key = self._keys.get(key_id)
        if key is None or len(sealed) < _NONCE_BYTES + 16:
            raise DecryptionError()
        try:
            return key.aead.decrypt(bytes(sealed[:_NONCE_BYTES]), bytes(sealed[_NONCE_BYTES:]), aad)
        except InvalidTag:
            raise DecryptionError() from None


def link_token_hash(token: str) -> str:
    """SHA-256 (hex) of a one-time link's token, the only thing stored of it (the token has 256
    random bits: a fast hash is as safe as a slow one)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
