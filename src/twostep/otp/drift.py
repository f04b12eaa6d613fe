"""Clock drift: "your device's clock is N seconds off", found from a few consecutive codes.

This is a diagnosis for error messages and explicit resynchronisation, kept apart from
:func:`~twostep.otp.totp.verify_totp`: nothing here widens the verification window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .errors import InvalidCodeError, InvalidParameterError
from .hotp import (
    MAX_COUNTER,
    AlgorithmName,
    digest_name,
    key_bytes,
    normalize_code,
    truncated_value,
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
    wanted = [normalize_code(code, digits) for code in codes]
    key = key_bytes(secret)
    digest = digest_name(algorithm)
    current = time_step(at, period, t0)
    power = 10**digits
    matches = []
    count = len(wanted)
    for offset in range(-search, search + 1):
        last = current + offset
        first = last - count + 1
        if first < 0 or last > MAX_COUNTER:
            continue
        if all(
            str(truncated_value(key, first + i, digest) % power).zfill(digits) == code
            for i, code in enumerate(wanted)
        ):
            matches.append(offset)
    if len(matches) != 1:
        raise InvalidCodeError()
    return Drift(steps=matches[0], seconds=matches[0] * period)
