"""Checking what clients send: each function takes what the JSON held (any type) and returns
the clean value, or raises :class:`~.errors.InvalidFieldError` naming the field.

The KDF minimums are enforced here so that no client stores parameters that make password
guesses cheap (docs/sync.md, "What is derived from what").
"""

from __future__ import annotations

import base64
import binascii
import unicodedata
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from .errors import InvalidFieldError

KEY_BYTES: Final = 32
SALT_BYTES: Final = 16
WRAPPED_MAX_BYTES: Final = 256
DEVICE_NAME_MAX: Final = 64
EMAIL_MAX: Final = 254
DEFAULT_KDF: Final = {
    "algorithm": "argon2id",
    "memory_kib": 65536,
    "iterations": 3,
    "parallelism": 1,
}
KDF_LIMITS: Final = {
    "memory_kib": (19456, 1048576),
    "iterations": (2, 10),
    "parallelism": (1, 4),
}

_email_validator = EmailValidator()


def email(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > EMAIL_MAX:
        raise InvalidFieldError("email", "Give an email address.")
    text = value.strip().lower()
    try:
        _email_validator(text)
    except ValidationError:
        raise InvalidFieldError("email", "That is not an email address.") from None
    return text


def b64(field: str, value: Any, *, size: int | None = None, max_size: int | None = None) -> bytes:
    """Standard base64 with padding; ``size``: exactly that many bytes, ``max_size``: at most."""
    if not isinstance(value, str) or not value:
        raise InvalidFieldError(field, f"{field} is missing (base64 text).")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidFieldError(field, f"{field} is not base64 text.") from None
    if size is not None and len(raw) != size:
        raise InvalidFieldError(field, f"{field} must be {size} bytes.")
    if max_size is not None and len(raw) > max_size:
        raise InvalidFieldError(field, f"{field} must be at most {max_size} bytes.")
    return raw


def key(field: str, value: Any) -> str:
    """A derived 32-byte key (auth or recovery auth key), as the base64 text hashed."""
    return base64.b64encode(b64(field, value, size=KEY_BYTES)).decode("ascii")


def salt(value: Any) -> str:
    return base64.b64encode(b64("salt", value, size=SALT_BYTES)).decode("ascii")


def wrapped(field: str, value: Any) -> str:
    raw = b64(field, value, max_size=WRAPPED_MAX_BYTES)
    if len(raw) < 12 + 16 + KEY_BYTES:  # nonce, tag, the key
        raise InvalidFieldError(field, f"{field} is too short to hold a wrapped key.")
    return base64.b64encode(raw).decode("ascii")


def kdf(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or value.get("algorithm") != "argon2id":
        raise InvalidFieldError("kdf", 'kdf must be {"algorithm": "argon2id", ...}.')
    clean: dict[str, Any] = {"algorithm": "argon2id"}
    for name, (low, high) in KDF_LIMITS.items():
        number = value.get(name)
        if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
            raise InvalidFieldError(
                "kdf", f"kdf.{name} must be a whole number from {low} to {high}."
            )
        clean[name] = number
    return clean


def device_name(value: Any) -> str:
    text = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else ""
    if not text or len(text) > DEVICE_NAME_MAX:
        raise InvalidFieldError(
            "device_name", f"Give the device a name of 1 to {DEVICE_NAME_MAX} characters."
        )
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise InvalidFieldError("device_name", "Use a device name without control characters.")
    return text


def version(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidFieldError("base_version", "base_version must be a whole number (0 or more).")
    return value


def flag(field: str, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidFieldError(field, f"{field} must be true or false.")
    return value
