"""The exceptions of the OTP core.

Every error raised by :mod:`twostep.otp` belongs to this tree, and subclasses :class:`ValueError`
so callers that only care about "bad input" can catch that::

    OTPError (ValueError)
    ├── InvalidSecretError        a secret that is empty, too long or not valid base32/hex
    ├── InvalidParameterError     a parameter out of range (digits, period, counter...)
    ├── InvalidURIError           an ``otpauth://`` URI that cannot be read (``field`` says where)
    │   └── InvalidMigrationError an ``otpauth-migration://`` payload that cannot be read
    ├── InvalidCodeError          a one-time code that does not verify (deliberately uniform)
    │   ├── MalformedCodeError    not the right number of digits/characters at all
    │   └── ReusedCodeError       matched a step that is not newer than ``last_step`` (replay)
    └── QRError                   a QR code could not be made or read
        └── QRDependencyError     segno / zxing-cpp / Pillow is not installed

Messages name the field that is wrong and never contain a secret or a code.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "InvalidCodeError",
    "InvalidMigrationError",
    "InvalidParameterError",
    "InvalidSecretError",
    "InvalidURIError",
    "MalformedCodeError",
    "OTPError",
    "QRDependencyError",
    "QRError",
    "ReusedCodeError",
]


class OTPError(ValueError):
    """Base class of every error of the OTP core."""


class InvalidSecretError(OTPError):
    """The shared secret is empty, too long, or not valid base32 / hex."""


class InvalidParameterError(OTPError):
    """A parameter is out of range; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class InvalidURIError(OTPError):
    """An ``otpauth://`` URI could not be parsed; ``field`` names the offending part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class InvalidMigrationError(InvalidURIError):
    """An ``otpauth-migration://`` (Google Authenticator export) payload could not be read.

    ``missing`` lists the 1-based numbers of the export's QR codes that were not given (empty for
    any other problem).
    """

    def __init__(self, field: str, message: str, *, missing: Sequence[int] = ()) -> None:
        super().__init__(field, message)
        self.missing: list[int] = list(missing)


class InvalidCodeError(OTPError):
    """The one-time code did not verify.

    The message is the same whatever went wrong, so it can be shown to a user without telling an
    attacker anything.
    """

    # No __init__: raising it is the attack path of verification, and a Python-level __init__
    # costs more than a third of a step's HMAC. The default message comes from __str__.
    def __str__(self) -> str:
        return super().__str__() or "the code is not valid"


class MalformedCodeError(InvalidCodeError):
    """The input is not a code of the expected shape (wrong length, letters in a numeric code)."""


class ReusedCodeError(InvalidCodeError):
    """The code matched a time step (or counter) that was already used: a replay.

    ``step`` is the matched step. Callers should log it and tell the account holder, but show the
    user the same message as for any wrong code.
    """

    def __init__(self, step: int) -> None:
        super().__init__()
        self.step = step


class QRError(OTPError):
    """A QR code could not be made or the image could not be read."""


class QRDependencyError(QRError, ImportError):
    """A package needed for QR support (segno, zxing-cpp, Pillow) is missing."""
