"""The server's own values derived from ``TWOSTEP_SECRET_KEYS`` (HKDF-SHA256 then HMAC-SHA256):
the fake salts of unknown addresses, the address digests the throttle is keyed by, the digests
of verification codes. They are stable while the first key is (rotating it changes the fake
salts, which is harmless)."""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

SALT_BYTES = 16


@functools.lru_cache(maxsize=8)
def _key(secret: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"twostep",
        info=f"twostep:sync:{purpose}:v1".encode(),
    ).derive(secret.encode("utf-8"))


def _mac(purpose: str, message: str) -> bytes:
    key = _key(settings.TWOSTEP_SECRET_KEYS[0], purpose)
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def fake_salt(email: str) -> bytes:
    """The salt ``prelogin`` answers for an address without an account: the same every time."""
    return _mac("fake-salt", email)[:SALT_BYTES]


def address_key(email: str) -> str:
    """The throttle's key for an address (the address itself is not kept there)."""
    return "sync:" + _mac("address", email).hex()[:40]


def code_digest(verification_token_digest: str, code: str) -> str:
    """The HMAC of a verification code, bound to its link (so a digest is no use elsewhere)."""
    return _mac("code", f"{verification_token_digest}:{code}").hex()


def digests_match(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
