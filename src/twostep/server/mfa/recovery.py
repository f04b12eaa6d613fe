"""Recovery codes: pure functions to make, read and hash them. No Django.

A recovery code is 16 characters of Crockford's base32 alphabet (``0-9`` and letters without
``i l o u``): 80 bits from :mod:`secrets`, shown in groups of four (``7k2m-9xqd-...``). Typing
is forgiving: case, spaces, dashes and full-width forms are ignored, and ``i``/``l`` read as
``1``, ``o`` as ``0``.

Storage (NIST SP 800-63B §5.1.2.2, ASVS 2.6.2): only a salted one-way hash is kept,
PBKDF2-HMAC-SHA256 with a random 128-bit salt per code and :data:`PBKDF2_ITERATIONS`
iterations. Codes have fewer than 112 bits of entropy, so NIST asks for a salted KDF rather than
a plain hash; 80 random bits times the KDF cost put an offline search far out of reach, and the
online attempts are throttled with the TOTP attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from typing import Final

__all__ = [
    "ALPHABET",
    "CODE_COUNT",
    "CODE_LENGTH",
    "format_recovery_code",
    "generate_recovery_codes",
    "hash_recovery_code",
    "matches_recovery_code",
    "normalize_recovery_code",
]

ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"
CODE_LENGTH: Final = 16  # 16 x 5 bits = 80 bits
CODE_COUNT: Final = 10
PBKDF2_ITERATIONS: Final = 10_000
SALT_BYTES: Final = 16
_READ_AS: Final = str.maketrans({"i": "1", "l": "1", "o": "0"})
_VALID: Final = frozenset(ALPHABET)


def generate_recovery_codes(count: int = CODE_COUNT) -> list[str]:
    """``count`` new codes in canonical form (no dashes)."""
    return ["".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count)]


def format_recovery_code(code: str) -> str:
    """``abcd-efgh-jkmn-pqrs`` for display."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_recovery_code(text: str) -> str | None:
    """The canonical form of what a person typed, or ``None`` if it cannot be a recovery code."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    text = unicodedata.normalize("NFKC", text)  # full-width characters typed on phones
    cleaned = "".join(text.split()).replace("-", "").lower().translate(_READ_AS)
    if len(cleaned) != CODE_LENGTH or not _VALID.issuperset(cleaned):
        return None
    return cleaned


def hash_recovery_code(code: str, salt: bytes | None = None) -> tuple[bytes, bytes]:
    """``(salt, digest)`` for a canonical code."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", code.encode("ascii"), salt, PBKDF2_ITERATIONS)
    return salt, digest


def matches_recovery_code(code: str, salt: bytes, digest: bytes) -> bool:
    """Constant-time check of a canonical code against one stored hash."""
    return hmac.compare_digest(hash_recovery_code(code, bytes(salt))[1], bytes(digest))
