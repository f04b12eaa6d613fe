"""Clock drift: "your device's clock is N seconds off", found from a few consecutive codes.

This is a diagnosis for error messages and explicit resynchronisation, kept apart from
:func:`~twostep.otp.totp.verify_totp`: nothing here widens the verification window.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .errors import InvalidCodeError, InvalidParameterError
from .hotp import (
    MAX_COUNTER,
    AlgorithmName,
    check_digits,
    key_bytes,
    normalize_code,
    truncated_values,
)
from .secret import Secret
from .totp import DEFAULT_PERIOD, time_step

__all__ = ["DEFAULT_DRIFT_SEARCH", "Drift", "find_drift"]

#: How far to look either side, in steps (60 x 30 s = 30 minutes).
DEFAULT_DRIFT_SEARCH: Final = 60


@dataclass(frozen=True, slots=True)
class Drift:
    """How far the device's clock is from ours: positive when the device is ahead."""

    steps: int
    seconds: int


def find_drift(
    secret: Secret | bytes,
    codes: Sequence[str],
    at: float,
    *,
    period: int = DEFAULT_PERIOD,
    digits: int = 6,
    algorithm: AlgorithmName | str = "SHA1",
    t0: int = 0,
    search: int = DEFAULT_DRIFT_SEARCH,
) -> Drift:
    """Find the offset at which ``codes`` (consecutive codes, oldest first, the last one read at
    ``at``) all match. One code is enough for a guess; two or more make a false match
    vanishingly unlikely (use two before acting on it, as RFC 6238 §6 advises).

    Raises :class:`InvalidCodeError` when no offset within ``search`` steps fits, or when more
    than one does.
    """
    if not codes:
        raise InvalidParameterError("codes", "give at least one code")
    if len(codes) > 10:
        raise InvalidParameterError("codes", "give at most 10 codes")
    if type(search) is not int or not 0 <= search <= 10_000:
        raise InvalidParameterError("search", "must be a whole number from 0 to 10000")
    check_digits(digits)
    wanted = [normalize_code(code, digits).encode() for code in codes]
    count = len(wanted)
    current = time_step(at, period, t0)
    low = max(current - search - count + 1, 0)
    high = min(current + search, MAX_COUNTER)
    values = truncated_values(key_bytes(secret), low, high - low + 1, algorithm)
    power = 10**digits
    texts = [str(value % power).zfill(digits).encode() for value in values]
    matches = []
    for offset in range(-search, search + 1):
        last = current + offset
        first = last - count + 1
        if first < 0 or last > MAX_COUNTER:
            continue
        fits = True
        for i, code in enumerate(wanted):  # constant-time, and no early exit
            fits &= hmac.compare_digest(texts[first - low + i], code)
        if fits:
            matches.append(offset)
    if len(matches) != 1:
        raise InvalidCodeError()
    return Drift(steps=matches[0], seconds=matches[0] * period)
