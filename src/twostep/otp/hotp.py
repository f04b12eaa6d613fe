"""HOTP (RFC 4226): the HMAC-based one-time password, and the Steam Guard encoding of it.

Everything here is a pure function of the key and the counter. Codes are strings: leading zeros
matter, and a code is compared as text over its exact length in constant time.
"""

from __future__ import annotations

import hmac
import struct
import unicodedata
from collections.abc import Callable
from typing import Final, Literal

from .errors import InvalidCodeError, InvalidParameterError, MalformedCodeError
from .secret import Secret

__all__ = [
    "ALGORITHMS",
    "MAX_COUNTER",
    "STEAM_ALPHABET",
    "STEAM_DIGITS",
    "AlgorithmName",
    "generate_hotp",
    "normalize_code",
    "verify_hotp",
]

AlgorithmName = Literal["SHA1", "SHA256", "SHA512"]
#: The HMAC hash functions of RFC 6238, by their ``otpauth://`` names.
ALGORITHMS: Final[dict[str, str]] = {"SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}
#: Counters and time steps are 64-bit unsigned (RFC 4226 §5.2; RFC 6238 §4.2 beyond 2038).
MAX_COUNTER: Final = 2**64 - 1
#: Steam Guard's 26 characters; codes are 5 of them.
STEAM_ALPHABET: Final = "23456789BCDFGHJKMNPQRTVWXY"
STEAM_DIGITS: Final = 5
_STEAM_SET: Final = frozenset(STEAM_ALPHABET)
_POWERS: Final = tuple(10**n for n in range(11))
_pack_counter: Final[Callable[[int], bytes]] = struct.Struct(">Q").pack
_hmac_digest: Final = hmac.digest


def key_bytes(secret: Secret | bytes) -> bytes:
    """The raw key of ``secret`` (a :class:`Secret` or plain bytes)."""
    if isinstance(secret, Secret):
        return secret.raw
    if isinstance(secret, bytes) and secret:
        return secret
    raise InvalidParameterError("secret", "expected a Secret or non-empty bytes")


def digest_name(algorithm: str) -> str:
    try:
        return ALGORITHMS[algorithm]
    except (KeyError, TypeError):
        raise InvalidParameterError("algorithm", "must be SHA1, SHA256 or SHA512") from None


def check_digits(digits: int) -> None:
    if type(digits) is not int or not 6 <= digits <= 10:
        raise InvalidParameterError("digits", "must be a whole number from 6 to 10")


def check_counter(counter: int, field: str = "counter") -> None:
    if type(counter) is not int or not 0 <= counter <= MAX_COUNTER:
        raise InvalidParameterError(field, "must be a whole number from 0 to 2**64-1")


def truncated_value(key: bytes, counter: int, digest: str) -> int:
    """RFC 4226 §5.3 dynamic truncation: the 31-bit value before reduction to digits."""
    mac = _hmac_digest(key, _pack_counter(counter), digest)
    offset = mac[-1] & 0x0F
    return int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF


def format_decimal(value: int, digits: int) -> str:
    return str(value % _POWERS[digits]).zfill(digits)


def format_steam(value: int) -> str:
    """Steam Guard: five characters, least significant first, by repeated division by 26."""
    chars = []
    for _ in range(STEAM_DIGITS):
        value, index = divmod(value, 26)
        chars.append(STEAM_ALPHABET[index])
    return "".join(chars)


def generate_hotp(
    secret: Secret | bytes,
    counter: int,
    *,
    digits: int = 6,
    algorithm: AlgorithmName | str = "SHA1",
    steam: bool = False,
) -> str:
    """The HOTP code for ``counter``.

    ``steam=True`` gives the 5-character Steam Guard encoding of the same HMAC value instead of
    decimal digits (``digits`` is then ignored).
    """
    check_counter(counter)
    value = truncated_value(key_bytes(secret), counter, digest_name(algorithm))
    if steam:
        return format_steam(value)
    check_digits(digits)
    return format_decimal(value, digits)


def normalize_code(code: str, digits: int, *, steam: bool = False) -> str:
    """Turn user input into the canonical code text, or raise :class:`MalformedCodeError`.

    Applies Unicode NFKC (full-width digits typed on phones become ASCII) and removes all white
    space ("123 456"). The result must have exactly ``digits`` ASCII digits (or, for Steam, 5
    characters of the Steam alphabet, case-insensitive).
    """
    if not isinstance(code, str):
        raise MalformedCodeError()
    if len(code) > 64:  # cheap bound before normalising attacker-sized input
        raise MalformedCodeError()
    text = "".join(unicodedata.normalize("NFKC", code).split())
    if steam:
        text = text.upper()
        if len(text) != STEAM_DIGITS or not _STEAM_SET.issuperset(text):
            raise MalformedCodeError()
        return text
    if len(text) != digits or not (text.isascii() and text.isdigit()):
        raise MalformedCodeError()
    return text


def verify_hotp(
    secret: Secret | bytes,
    code: str,
    counter: int,
    *,
    look_ahead: int = 0,
    digits: int = 6,
    algorithm: AlgorithmName | str = "SHA1",
    steam: bool = False,
) -> int:
    """Check an HOTP code against ``counter`` .. ``counter + look_ahead``; return the match.

    ``counter`` is the next counter the verifier expects (one past the last accepted). Store the
    returned counter + 1 as the next expected value. Raises :class:`InvalidCodeError` (or
    :class:`MalformedCodeError`) when nothing matches; never returns a falsy "no".
    """
    if not steam:
        check_digits(digits)
    candidate = normalize_code(code, digits, steam=steam)
    check_counter(counter)
    if type(look_ahead) is not int or not 0 <= look_ahead <= 1000:
        raise InvalidParameterError("look_ahead", "must be a whole number from 0 to 1000")
    key = key_bytes(secret)
    digest = digest_name(algorithm)
    fmt = format_steam if steam else None
    matched = -1
    expected = candidate.encode()
    for c in range(counter, min(counter + look_ahead, MAX_COUNTER) + 1):
        value = truncated_value(key, c, digest)
        text = fmt(value) if fmt else format_decimal(value, digits)
        # Check every counter in the window: no early exit, so timing does not reveal which.
        if hmac.compare_digest(text.encode(), expected) and matched < 0:
            matched = c
    if matched < 0:
        raise InvalidCodeError()
    return matched
