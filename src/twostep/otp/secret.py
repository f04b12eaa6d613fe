"""Shared secrets: a bytes wrapper that never shows itself in a ``repr``, log or traceback."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _secrets
from typing import Final

from .errors import InvalidSecretError

__all__ = ["DEFAULT_SECRET_BITS", "MAX_SECRET_BYTES", "RFC4226_MINIMUM_BITS", "Secret"]

#: Bits in a newly generated secret (RFC 4226 R6 recommends 160).
DEFAULT_SECRET_BITS: Final = 160
#: RFC 4226 R6: "The length of the shared secret MUST be at least 128 bits."
RFC4226_MINIMUM_BITS: Final = 128
#: Longest secret accepted from outside (an HMAC key longer than this is certainly garbage).
MAX_SECRET_BYTES: Final = 1024

_B32_ALPHABET: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_B32_VALID_TAILS: Final = frozenset({0, 2, 4, 5, 7})  # unpadded length mod 8 of valid base32
_HEX_ALPHABET: Final = frozenset("0123456789abcdefABCDEF")


class Secret:
    """An HOTP/TOTP shared secret.

    ``repr()`` and ``str()`` are redacted; equality is constant-time; instances are immutable.
    Construct it from raw bytes, or with :meth:`from_base32`, :meth:`from_hex` or
    :meth:`generate`.

    Secrets read from existing accounts may be short (80-bit secrets are common);
    :attr:`is_below_rfc_minimum` tells so. New secrets are never shorter than 160 bits.
    """

    __slots__ = ("_raw",)
    _raw: bytes

    def __init__(self, raw: bytes) -> None:
        if not isinstance(raw, bytes | bytearray | memoryview):
            raise InvalidSecretError("secret: expected bytes")
        raw = bytes(raw)
        if not raw:
            raise InvalidSecretError("secret: empty")
        if len(raw) > MAX_SECRET_BYTES:
            raise InvalidSecretError(f"secret: longer than {MAX_SECRET_BYTES} bytes")
        object.__setattr__(self, "_raw", raw)

    # -- constructors ---------------------------------------------------------------------------
    @classmethod
    def generate(cls, bits: int = DEFAULT_SECRET_BITS) -> Secret:
        """A new random secret from the OS CSPRNG; at least 160 bits, a whole number of bytes."""
        if bits < DEFAULT_SECRET_BITS or bits % 8:
            raise InvalidSecretError(
                f"secret: new secrets need at least {DEFAULT_SECRET_BITS} bits in whole bytes"
            )
        return cls(_secrets.token_bytes(bits // 8))

    @classmethod
    def from_base32(cls, text: str) -> Secret:
        """Decode base32 leniently: any case, ``=`` padding, spaces and dashes are accepted."""
        if not isinstance(text, str):
            raise InvalidSecretError("secret: expected text")
        cleaned = "".join(text.split()).replace("-", "").rstrip("=").upper()
        if not cleaned:
            raise InvalidSecretError("secret: empty")
        if len(cleaned) > MAX_SECRET_BYTES * 8 // 5 + 1:
            raise InvalidSecretError(f"secret: longer than {MAX_SECRET_BYTES} bytes")
        for position, char in enumerate(cleaned, 1):
            if char not in _B32_ALPHABET:
                raise InvalidSecretError(
                    f"secret: not valid base32 (character {position} is not A-Z or 2-7)"
                )
        if len(cleaned) % 8 not in _B32_VALID_TAILS:
            raise InvalidSecretError("secret: not valid base32 (its length is impossible)")
        padded = cleaned + "=" * (-len(cleaned) % 8)
        try:
            return cls(base64.b32decode(padded))
        except binascii.Error:  # pragma: no cover - the checks above make this unreachable
            raise InvalidSecretError("secret: not valid base32") from None

    @classmethod
    def from_hex(cls, text: str) -> Secret:
        """Decode hexadecimal (any case; spaces and colons ignored)."""
        if not isinstance(text, str):
            raise InvalidSecretError("secret: expected text")
        cleaned = "".join(text.split()).replace(":", "")
        if not cleaned:
            raise InvalidSecretError("secret: empty")
        if any(c not in _HEX_ALPHABET for c in cleaned) or len(cleaned) % 2:
            raise InvalidSecretError("secret: not valid hexadecimal")
        return cls(bytes.fromhex(cleaned))

    # -- views ----------------------------------------------------------------------------------
    @property
    def raw(self) -> bytes:
        """The key bytes. Handle with care."""
        return self._raw

    @property
    def base32(self) -> str:
        """Upper-case base32 without padding, as ``otpauth://`` URIs carry it."""
        return base64.b32encode(self._raw).decode("ascii").rstrip("=")

    @property
    def hex(self) -> str:
        return self._raw.hex()

    @property
    def bits(self) -> int:
        return len(self._raw) * 8

    @property
    def is_below_rfc_minimum(self) -> bool:
        """True for secrets shorter than RFC 4226's 128-bit minimum (e.g. 80-bit legacy keys)."""
        return self.bits < RFC4226_MINIMUM_BITS

    # -- protocol -------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"Secret(<redacted {self.bits}-bit>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._raw, other._raw)

    def __hash__(self) -> int:
        return hash(hashlib.sha256(self._raw).digest())

    def __len__(self) -> int:
        return len(self._raw)

    # A value: immutable (it is hashed, and it sits in frozen accounts), copied and pickled whole.
    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Secret is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Secret is immutable")

    def __reduce__(self) -> tuple[type[Secret], tuple[bytes]]:
        return (Secret, (self._raw,))
