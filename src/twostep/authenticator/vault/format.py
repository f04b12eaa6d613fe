"""The vault file format: byte layout, format versions and the authenticated regions.

Version 1 (all integers big-endian)::

    offset  size  region
    0       8     magic            b"TWOSTEPV"
    8       2     version          1
    10      4     header length n
    14      n     header           UTF-8 JSON: {"kdf": {...}, "key_id": hex, "cipher": ...}
    14+n    12    wrap nonce
    26+n    48    wrapped key      AES-256-GCM(KEK, master key) = 32 bytes + 16-byte tag,
                                   associated data: bytes 0 .. 14+n (magic to header)
    74+n    12    nonce
    86+n    ...   ciphertext       AES-256-GCM(master key, payload JSON),
    end-16  16    tag              associated data: bytes 0 .. 74+n (everything before nonce)

Every byte is covered by a GCM tag: the header and key wrap are associated data of the payload,
the nonces feed the tags. So a flipped byte anywhere fails exactly as a wrong password does
(:class:`~twostep.authenticator.errors.WrongPasswordError`); this module raises that same error
for any structural problem, with a ``detail`` for ``--debug`` only.

A later version adds a reader to ``_READERS`` and keeps the old ones, so new code opens old
files (the tests keep a fixture vault per version in ``tests/authenticator/data/``); a file is
always written in :data:`CURRENT_VERSION`. Standard library only: this runs on the fast path.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any, Final

from twostep.authenticator.errors import WrongPasswordError

__all__ = [
    "CURRENT_VERSION",
    "KEY_SIZE",
    "MAGIC",
    "NONCE_SIZE",
    "TAG_SIZE",
    "VaultLayout",
    "build_prefix",
    "build_vault_file",
    "is_vault_file",
    "parse_vault_file",
]

MAGIC: Final = b"TWOSTEPV"
CURRENT_VERSION: Final = 1
KEY_SIZE: Final = 32
NONCE_SIZE: Final = 12
TAG_SIZE: Final = 16
WRAPPED_SIZE: Final = KEY_SIZE + TAG_SIZE
#: A header is a few hundred bytes; anything near this is not a vault.
MAX_HEADER: Final = 64 * 1024
_PREFIX = struct.Struct(">8sHI")


class VaultLayout:
    """The regions of a vault file, split but not decrypted.

    ``header_aad`` authenticates the key wrap; ``payload_aad`` authenticates the payload.
    ``ciphertext`` ends with the 16-byte GCM tag. (A plain class, not a dataclass or named
    tuple: creating those classes costs more import time than the fast path can spare.)
    """

    __slots__ = (
        "ciphertext",
        "header",
        "header_aad",
        "nonce",
        "payload_aad",
        "version",
        "wrap_nonce",
        "wrapped_key",
    )

    def __init__(
        self,
        *,
        version: int,
        header: dict[str, Any],
        header_aad: bytes,
        wrap_nonce: bytes,
        wrapped_key: bytes,
        payload_aad: bytes,
        nonce: bytes,
        ciphertext: bytes,
    ) -> None:
        self.version = version
        self.header = header
        self.header_aad = header_aad
        self.wrap_nonce = wrap_nonce
        self.wrapped_key = wrapped_key
        self.payload_aad = payload_aad
        self.nonce = nonce
        self.ciphertext = ciphertext


def _damaged(detail: str) -> WrongPasswordError:
    return WrongPasswordError(detail=detail)


def _parse_v1(data: bytes, version: int, header_len: int) -> VaultLayout:
    start = _PREFIX.size
    end = start + header_len
    if header_len > MAX_HEADER or len(data) < end + 2 * NONCE_SIZE + WRAPPED_SIZE + TAG_SIZE:
        raise _damaged("file too short for its header length")
    try:
        header = json.loads(data[start:end].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _damaged("header is not JSON") from None
    if not isinstance(header, dict):
        raise _damaged("header is not a JSON object")
    wrap_nonce = data[end : end + NONCE_SIZE]
    wrapped = data[end + NONCE_SIZE : end + NONCE_SIZE + WRAPPED_SIZE]
    payload_start = end + NONCE_SIZE + WRAPPED_SIZE
    return VaultLayout(
        version=version,
        header=header,
        header_aad=data[:end],
        wrap_nonce=wrap_nonce,
        wrapped_key=wrapped,
        payload_aad=data[:payload_start],
        nonce=data[payload_start : payload_start + NONCE_SIZE],
        ciphertext=data[payload_start + NONCE_SIZE :],
    )


_READERS: dict[int, Callable[[bytes, int, int], VaultLayout]] = {1: _parse_v1}


def is_vault_file(data: bytes) -> bool:
    """Whether ``data`` starts like a vault of any version (for friendlier messages only)."""
    return data.startswith(MAGIC)


def parse_vault_file(data: bytes) -> VaultLayout:
    """Split a vault file into its regions; :class:`WrongPasswordError` if it is not one."""
    if len(data) < _PREFIX.size:
        raise _damaged("file too short")
    magic, version, header_len = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise _damaged("not a twostep vault (magic)")
    reader = _READERS.get(version)
    if reader is None:
        raise _damaged(f"format version {version} is not supported (max {CURRENT_VERSION})")
    return reader(data, version, header_len)


def build_prefix(header: dict[str, Any]) -> bytes:
    """Magic, version and header: the associated data of the key wrap."""
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    return _PREFIX.pack(MAGIC, CURRENT_VERSION, len(raw)) + raw


def build_vault_file(
    header_aad: bytes, wrap_nonce: bytes, wrapped_key: bytes, nonce: bytes, ciphertext: bytes
) -> bytes:
    """Concatenate the regions (``ciphertext`` includes its tag)."""
    if len(wrap_nonce) != NONCE_SIZE or len(nonce) != NONCE_SIZE:
        raise ValueError("nonces are 12 bytes")
    if len(wrapped_key) != WRAPPED_SIZE:
        raise ValueError("a wrapped key is 48 bytes")
    return header_aad + wrap_nonce + wrapped_key + nonce + ciphertext
