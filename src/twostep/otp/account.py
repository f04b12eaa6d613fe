"""The account value: everything an ``otpauth://`` URI carries, validated and normalised."""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from .errors import InvalidParameterError
from .hotp import MAX_COUNTER, STEAM_DIGITS, generate_hotp, verify_hotp
from .secret import Secret
from .totp import DEFAULT_PERIOD, DEFAULT_WINDOW, generate_totp, time_step, verify_totp

__all__ = ["KNOWN_PARAMETERS", "MAX_LABEL_LENGTH", "Account", "Algorithm", "OtpType"]

#: Longest issuer or account name accepted (characters).
MAX_LABEL_LENGTH: Final = 512
#: Query parameters with a meaning of their own; anything else is kept in ``Account.extra``.
KNOWN_PARAMETERS: Final = frozenset(
    {"secret", "issuer", "algorithm", "digits", "period", "counter"}
)


class OtpType(StrEnum):
    TOTP = "totp"
    HOTP = "hotp"
    STEAM = "steam"


class Algorithm(StrEnum):
    SHA1 = "SHA1"
    SHA256 = "SHA256"
    SHA512 = "SHA512"

    @classmethod
    def parse(cls, text: str) -> Algorithm:
        """Case-insensitive, with or without a dash: ``sha1``, ``SHA-256``..."""
        key = text.strip().upper().replace("-", "").replace("_", "")
        try:
            return cls(key)
        except ValueError:
            raise InvalidParameterError("algorithm", "must be SHA1, SHA256 or SHA512") from None


def _clean_text(value: str, field_name: str) -> str:
    if not isinstance(value, str):
        raise InvalidParameterError(field_name, "must be text")
    value = value.strip()
    if len(value) > MAX_LABEL_LENGTH:
        raise InvalidParameterError(field_name, f"is longer than {MAX_LABEL_LENGTH} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise InvalidParameterError(field_name, "contains control characters")
    return value


def _is_steam_encoder(key: str, value: str) -> bool:
    return key.lower() == "encoder" and value.lower() == "steam"


@dataclass(frozen=True, slots=True)
class Account:
    """One OTP account: the secret and how to turn it into codes.

    Instances are validated and normalised on construction (issuer and name are stripped; Steam
    accounts get SHA1/5/30), so two accounts that mean the same compare equal.
    ``extra`` keeps unknown ``otpauth://`` parameters, in order, as (name, value) pairs.
    """

    secret: Secret
    type: OtpType = OtpType.TOTP
    issuer: str = ""
    name: str = ""
    algorithm: Algorithm = Algorithm.SHA1
    digits: int = 6
    period: int = DEFAULT_PERIOD
    counter: int = 0
    extra: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.secret, Secret):
            raise InvalidParameterError("secret", "must be a Secret")
        try:
            kind = OtpType(self.type)
        except ValueError:
            raise InvalidParameterError("type", "must be totp, hotp or steam") from None
        algorithm = (
            self.algorithm
            if isinstance(self.algorithm, Algorithm)
            else Algorithm.parse(str(self.algorithm))
        )
        issuer = _clean_text(self.issuer, "issuer")
        name = _clean_text(self.name, "name")
        if not issuer and ":" in name:
            raise InvalidParameterError("name", "may contain ':' only when an issuer is set")
        # Names are stripped (a URI parser cannot tell "x" from " x"); values are kept as they are.
        extra = tuple((str(k).strip(), str(v)) for k, v in self.extra)
        for key, _ in extra:
            if not key or key.lower() in KNOWN_PARAMETERS:
                raise InvalidParameterError("extra", "parameter names must be new and non-empty")
        if kind is OtpType.TOTP and any(_is_steam_encoder(k, v) for k, v in extra):
            # KeePassXC writes Steam accounts as TOTP with ``encoder=steam``: that is a Steam
            # account, so it is one here too (and a URI round trip keeps it equal).
            kind = OtpType.STEAM
            extra = tuple((k, v) for k, v in extra if not _is_steam_encoder(k, v))
        digits, period, counter = self.digits, self.period, self.counter
        if kind is OtpType.STEAM:
            algorithm, digits, period, counter = Algorithm.SHA1, STEAM_DIGITS, DEFAULT_PERIOD, 0
        else:
            if type(digits) is not int or not 6 <= digits <= 10:
                raise InvalidParameterError("digits", "must be a whole number from 6 to 10")
            if type(period) is not int or not 0 < period <= 2**32:
                raise InvalidParameterError("period", "must be a whole number of seconds above 0")
            if kind is OtpType.TOTP:
                counter = 0
            elif type(counter) is not int or not 0 <= counter <= MAX_COUNTER:
                raise InvalidParameterError("counter", "must be a whole number from 0 to 2**64-1")
            if kind is OtpType.HOTP:
                period = DEFAULT_PERIOD
        for attr, value in (
            ("type", kind),
            ("algorithm", algorithm),
            ("issuer", issuer),
            ("name", name),
            ("digits", digits),
            ("period", period),
            ("counter", counter),
            ("extra", extra),
        ):
            object.__setattr__(self, attr, value)

    # -- derived --------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """``issuer:name`` as shown to people (just the name without an issuer)."""
        return f"{self.issuer}:{self.name}" if self.issuer else self.name

    @property
    def is_time_based(self) -> bool:
        return self.type is not OtpType.HOTP

    def replace(self, **changes: object) -> Account:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    # -- codes ----------------------------------------------------------------------------------
    def generate(self, at: float | None = None, *, counter: int | None = None) -> str:
        """The code at Unix time ``at`` (TOTP/Steam) or for ``counter`` (HOTP, default: own)."""
        if self.type is OtpType.HOTP:
            return generate_hotp(
                self.secret,
                self.counter if counter is None else counter,
                digits=self.digits,
                algorithm=self.algorithm.value,
            )
        if at is None:
            raise InvalidParameterError("at", "a time-based code needs the time")
        return generate_totp(
            self.secret,
            at,
            period=self.period,
            digits=self.digits,
            algorithm=self.algorithm.value,
            steam=self.type is OtpType.STEAM,
        )

    def time_step(self, at: float) -> int:
        return time_step(at, self.period)

    def verify(
        self,
        code: str,
        at: float | None = None,
        *,
        window: int = DEFAULT_WINDOW,
        last_step: int | None = None,
        look_ahead: int = 0,
    ) -> int:
        """Verify ``code``; return the matched step (TOTP/Steam) or counter (HOTP). See
        :func:`~twostep.otp.totp.verify_totp` and :func:`~twostep.otp.hotp.verify_hotp`."""
        if self.type is OtpType.HOTP:
            return verify_hotp(
                self.secret,
                code,
                self.counter,
                look_ahead=look_ahead,
                digits=self.digits,
                algorithm=self.algorithm.value,
            )
        if at is None:
            raise InvalidParameterError("at", "a time-based code needs the time")
        return verify_totp(
            self.secret,
            code,
            at,
            period=self.period,
            digits=self.digits,
            algorithm=self.algorithm.value,
            window=window,
            last_step=last_step,
            steam=self.type is OtpType.STEAM,
        )
