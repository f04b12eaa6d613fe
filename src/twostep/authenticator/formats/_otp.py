"""Turning the loosely typed fields of foreign formats into OTP core values.

Types and algorithms twostep's core does not support (mOTP, Yandex, MD5...) become a per-entry
:class:`EntryError` that says so, never a crash and never a silent drop.
"""

from __future__ import annotations

from typing import Final

from twostep.otp import Algorithm, OtpType

from .base import EntryError

__all__ = ["parse_algorithm", "parse_type"]

#: Types other apps have that twostep cannot generate codes for, by their lower-case names.
_FOREIGN_TYPES: Final = {
    "motp": "mOTP",
    "yandex": "Yandex",
    "yaotp": "Yandex",
    "paypal": "PayPal",
    "blizzard": "Blizzard",
}


def parse_type(value: object, *, default: OtpType = OtpType.TOTP) -> OtpType:
    """``totp``/``hotp``/``steam`` in any case; a clear problem for anything else."""
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise EntryError("type", "is not text")
    key = value.strip().lower()
    try:
        return OtpType(key)
    except ValueError:
        pass
    known = _FOREIGN_TYPES.get(key)
    if known:
        raise EntryError("type", f"cannot be read: type {known} is not supported by twostep")
    raise EntryError("type", "cannot be read: unknown OTP type (twostep has TOTP, HOTP, Steam)")


def parse_algorithm(value: object, *, default: Algorithm = Algorithm.SHA1) -> Algorithm:
    """SHA1/SHA256/SHA512 in any spelling; MD5 and others are reported as unsupported."""
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise EntryError("algorithm", "is not text")
    key = value.strip().upper().replace("-", "").replace("_", "")
    if key.startswith("HMAC"):
        key = key[4:]
    try:
        return Algorithm(key)
    except ValueError:
        pass
    if key in ("MD5", "SHA224", "SHA384"):
        raise EntryError("algorithm", f"cannot be read: {key} is not supported by twostep")
    raise EntryError("algorithm", "cannot be read: unknown algorithm")
