"""TOTP (RFC 6238): HOTP over the number of time steps since T0.

Time is always an argument (Unix seconds, int or float); nothing here reads the clock.
"""

from __future__ import annotations

import hmac
import math
from typing import Final

from .errors import InvalidCodeError, InvalidParameterError, ReusedCodeError
from .hotp import (
    MAX_COUNTER,
    AlgorithmName,
    check_digits,
    format_decimal,
    format_steam,
    key_bytes,
    keyed_hashes,
    normalize_code,
    pack_counter,
    truncated_value,
    unpack_word,
)
from .secret import Secret

__all__ = [
    "DEFAULT_PERIOD",
    "DEFAULT_WINDOW",
    "MAX_WINDOW",
    "generate_totp",
    "seconds_remaining",
    "time_step",
    "verify_totp",
]

DEFAULT_PERIOD: Final = 30
#: RFC 6238 §5.2: "at most one time step is allowed as the network delay".
DEFAULT_WINDOW: Final = 1
MAX_WINDOW: Final = 100


MAX_PERIOD: Final = 2**32


def check_period(period: int) -> None:
    if type(period) is not int or not 0 < period <= MAX_PERIOD:
        raise InvalidParameterError("period", "must be a whole number of seconds above 0")


def time_step(at: float, period: int = DEFAULT_PERIOD, t0: int = 0) -> int:
    """RFC 6238 §4.2: T = floor((at - T0) / period), as a 64-bit unsigned step."""
    if type(period) is not int or not 0 < period <= MAX_PERIOD:
        raise InvalidParameterError("period", "must be a whole number of seconds above 0")
    # ``type(x) is int`` first: the common case costs one check; bools are refused.
    if type(at) is not int and (
        isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at)
    ):
        raise InvalidParameterError("at", "must be a number of seconds")
    if type(t0) is not int and (isinstance(t0, bool) or not isinstance(t0, int)):
        raise InvalidParameterError("t0", "must be a whole number of seconds")
    if at < t0:
        raise InvalidParameterError("at", "is before T0")
    step = int((at - t0) // period)
    if step > MAX_COUNTER:
        raise InvalidParameterError("at", "is beyond the 64-bit time step range")
    return step


def seconds_remaining(at: float, period: int = DEFAULT_PERIOD, t0: int = 0) -> float:
    """Seconds until the code for ``at`` changes."""
    step = time_step(at, period, t0)
    return float(t0 + (step + 1) * period - at)


def generate_totp(
    secret: Secret | bytes,
    at: float,
    *,
    period: int = DEFAULT_PERIOD,
    digits: int = 6,
    algorithm: AlgorithmName | str = "SHA1",
    t0: int = 0,
    steam: bool = False,
) -> str:
    """The TOTP code valid at Unix time ``at`` (Steam Guard characters with ``steam=True``)."""
    step = time_step(at, period, t0)
    value = truncated_value(key_bytes(secret), step, algorithm)
    if steam:
        return format_steam(value)
    check_digits(digits)
    return format_decimal(value, digits)


def verify_totp(
    secret: Secret | bytes,
    code: str,
    at: float,
    *,
    period: int = DEFAULT_PERIOD,
    digits: int = 6,
    algorithm: AlgorithmName | str = "SHA1",
    t0: int = 0,
    window: int = DEFAULT_WINDOW,
    last_step: int | None = None,
    steam: bool = False,
) -> int:
    """Verify ``code`` at time ``at`` within ``window`` steps either side; return the step.

    Store the returned step and pass it back as ``last_step`` next time: a code whose step is not
    newer than ``last_step`` raises :class:`ReusedCodeError` (a subclass of
    :class:`InvalidCodeError`), so a code is accepted once and an older one is refused once a newer
    one was used. A wrong code raises :class:`InvalidCodeError`, input of the wrong shape
    :class:`MalformedCodeError`. Every step of the window is computed and compared in constant
    time, so timing does not tell which step matched.
    """
    if not steam and (type(digits) is not int or not 6 <= digits <= 10):
        check_digits(digits)  # raises
    candidate = normalize_code(code, digits, steam=steam).encode()
    if type(window) is not int or not 0 <= window <= MAX_WINDOW:
        raise InvalidParameterError("window", f"must be a whole number from 0 to {MAX_WINDOW}")
    if last_step is not None and (type(last_step) is not int or last_step < -1):
        raise InvalidParameterError("last_step", "must be a whole number or None")
    current = time_step(at, period, t0)
    inner, outer = keyed_hashes(key_bytes(secret), algorithm)
    power = 1 if steam else 10**digits
    pack, unpack, compare = pack_counter, unpack_word, hmac.compare_digest
    matched = []
    # Every step of the window is computed and compared in constant time, with no early exit.
    # (This loop is truncated_values() written inline: verification is the hot path.)
    for step in range(max(current - window, 0), min(current + window, MAX_COUNTER) + 1):
        step_inner = inner.copy()
        step_inner.update(pack(step))
        step_outer = outer.copy()
        step_outer.update(step_inner.digest())
        mac = step_outer.digest()
        value = unpack(mac, mac[-1] & 0x0F)[0] & 0x7FFFFFFF
        text = format_steam(value).encode() if steam else b"%0*d" % (digits, value % power)
        if compare(text, candidate):
            matched.append(step)
    if not matched:
        raise InvalidCodeError()
    # On the (1e-6 per step) chance of several matches the nearest step wins, the earlier on a tie.
    fresh = [step for step in matched if last_step is None or step > last_step]
    if fresh:
        return min(fresh, key=lambda step: (abs(step - current), step))
    raise ReusedCodeError(min(matched, key=lambda step: (abs(step - current), step)))
