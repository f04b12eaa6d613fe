"""HOTP (RFC 4226): the HMAC-based one-time password, and the Steam Guard encoding of it.

Everything here is a pure function of the key and the counter. Codes are strings: leading zeros
matter, and a code is compared as text over its exact length in constant time.

HMAC (RFC 2104) is computed from :mod:`hashlib` states of the padded key rather than with
:func:`hmac.digest`: with OpenSSL 3 every ``hmac.digest`` call fetches the algorithm again, which
costs more than the hashing itself, and a verification window can reuse the keyed states for every
step. The tests check it against :mod:`hmac`, the RFC vectors, oathtool and pyotp.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import unicodedata
from collections.abc import Callable
from typing import Final, Literal, Protocol

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
pack_counter: Final[Callable[[int], bytes]] = struct.Struct(">Q").pack
#: The 32-bit big-endian word at an offset (dynamic truncation reads one).
unpack_word: Final[Callable[[bytes, int], tuple[int]]] = struct.Struct(">I").unpack_from
_IPAD: Final = bytes(b ^ 0x36 for b in range(256))  # translate tables: key XOR ipad / opad
_OPAD: Final = bytes(b ^ 0x5C for b in range(256))


class _Hash(Protocol):
    def copy(self) -> _Hash: ...  # pragma: no cover - protocol
    def update(self, data: bytes, /) -> None: ...  # pragma: no cover - protocol
    def digest(self) -> bytes: ...  # pragma: no cover - protocol


#: hashlib constructor and HMAC block size, by algorithm name.
_HASHES: Final[dict[str, tuple[Callable[[bytes], _Hash], int]]] = {
    "SHA1": (hashlib.sha1, 64),
    "SHA256": (hashlib.sha256, 64),
    "SHA512": (hashlib.sha512, 128),
}


def key_bytes(secret: Secret | bytes) -> bytes:
    """The raw key of ``secret`` (a :class:`Secret` or plain bytes)."""
    if isinstance(secret, Secret):
        return secret.raw
    if isinstance(secret, bytes) and secret:
        return secret
    raise InvalidParameterError("secret", "expected a Secret or non-empty bytes")


def keyed_hashes(key: bytes, algorithm: str) -> tuple[_Hash, _Hash]:
    """RFC 2104: the hash states after absorbing ``key XOR ipad`` and ``key XOR opad``."""
    try:
        new, block = _HASHES[algorithm]
    except (KeyError, TypeError):
        raise InvalidParameterError("algorithm", "must be SHA1, SHA256 or SHA512") from None
    if len(key) > block:
        key = new(key).digest()
    key = key.ljust(block, b"\0")
    return new(key.translate(_IPAD)), new(key.translate(_OPAD))


def check_digits(digits: int) -> None:
    if type(digits) is not int or not 6 <= digits <= 10:
        raise InvalidParameterError("digits", "must be a whole number from 6 to 10")


def check_counter(counter: int, field: str = "counter") -> None:
    if type(counter) is not int or not 0 <= counter <= MAX_COUNTER:
        raise InvalidParameterError(field, "must be a whole number from 0 to 2**64-1")


def truncated_value(key: bytes, counter: int, algorithm: str) -> int:
    """RFC 4226 §5.3 dynamic truncation of HMAC(key, counter): the 31-bit value before it is
    reduced to digits."""
    inner, outer = keyed_hashes(key, algorithm)
    inner.update(pack_counter(counter))
    outer.update(inner.digest())
    mac = outer.digest()
    return unpack_word(mac, mac[-1] & 0x0F)[0] & 0x7FFFFFFF


def truncated_values(key: bytes, first: int, count: int, algorithm: str) -> list[int]:
    """:func:`truncated_value` for the counters ``first .. first + count - 1``."""
    inner, outer = keyed_hashes(key, algorithm)
    pack, unpack = pack_counter, unpack_word
    values = []
    for counter in range(first, first + count):
        step_inner = inner.copy()
        step_inner.update(pack(counter))
        step_outer = outer.copy()
        step_outer.update(step_inner.digest())
        mac = step_outer.digest()
        values.append(unpack(mac, mac[-1] & 0x0F)[0] & 0x7FFFFFFF)
    return values


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
    value = truncated_value(key_bytes(secret), counter, algorithm)
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
    if (
        type(code) is str
        and len(code) == digits
        and code.isascii()
        and code.isdigit()
        and not steam
    ):
        return code  # already canonical: the common case, kept cheap
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
    last = min(counter + look_ahead, MAX_COUNTER)
    values = truncated_values(key_bytes(secret), counter, last - counter + 1, algorithm)
    matched = -1
    expected = candidate.encode()
    for c, value in enumerate(values, counter):
        text = format_steam(value) if steam else format_decimal(value, digits)
        # Check every counter in the window: no early exit, so timing does not reveal which.
        if hmac.compare_digest(text.encode(), expected) and matched < 0:
            matched = c
    if matched < 0:
        raise InvalidCodeError()
    return matched
