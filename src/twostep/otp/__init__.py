"""The OTP core: HOTP (RFC 4226), TOTP (RFC 6238), Steam Guard, ``otpauth://`` URIs, QR codes.

Standard library only (QR support imports segno / zxing-cpp / Pillow lazily). Time is always an
argument; verification raises on failure and returns the matched step. Typical use::

    from twostep.otp import Secret, Account, parse_uri, build_uri

    account = parse_uri("otpauth://totp/ACME:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
    code = account.generate(at=time.time())
    step = account.verify(code, at=time.time(), last_step=stored_step)  # raises InvalidCodeError

The exceptions are documented in :mod:`twostep.otp.errors`.

The package imports its modules lazily (PEP 562): ``import twostep.otp`` costs nothing, and a
name such as ``Account`` imports its module on first use, so a program that needs only
:mod:`twostep.otp.totp` (the authenticator's ``code`` command) loads only that.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - the names below load lazily (``__getattr__``)
    from .account import Account, Algorithm, OtpType
    from .drift import Drift, find_drift
    from .errors import (
        InvalidCodeError,
        InvalidMigrationError,
        InvalidParameterError,
        InvalidSecretError,
        InvalidURIError,
        MalformedCodeError,
        OTPError,
        QRDependencyError,
        QRError,
        ReusedCodeError,
    )
    from .hotp import STEAM_ALPHABET, generate_hotp, normalize_code, verify_hotp
    from .migration import (
        MigrationBatch,
        SkippedAccount,
        build_migration_uris,
        combine_batches,
        is_representable,
        parse_migration_uri,
        skipped_in_export,
    )
    from .qr import make_qr_png, make_qr_svg, make_qr_text, read_qr
    from .secret import DEFAULT_SECRET_BITS, RFC4226_MINIMUM_BITS, Secret
    from .totp import (
        DEFAULT_PERIOD,
        DEFAULT_WINDOW,
        generate_totp,
        seconds_remaining,
        time_step,
        verify_totp,
    )
    from .uri import build_uri, parse_uri

__all__ = [
    "DEFAULT_PERIOD",
    "DEFAULT_SECRET_BITS",
    "DEFAULT_WINDOW",
    "RFC4226_MINIMUM_BITS",
    "STEAM_ALPHABET",
    "Account",
    "Algorithm",
    "Drift",
    "InvalidCodeError",
    "InvalidMigrationError",
    "InvalidParameterError",
    "InvalidSecretError",
    "InvalidURIError",
    "MalformedCodeError",
    "MigrationBatch",
    "OTPError",
    "OtpType",
    "QRDependencyError",
    "QRError",
    "ReusedCodeError",
    "Secret",
    "SkippedAccount",
    "build_migration_uris",
    "build_uri",
    "combine_batches",
    "find_drift",
    "generate_hotp",
    "generate_totp",
    "is_representable",
    "make_qr_png",
    "make_qr_svg",
    "make_qr_text",
    "normalize_code",
    "parse_migration_uri",
    "parse_uri",
    "read_qr",
    "seconds_remaining",
    "skipped_in_export",
    "time_step",
    "verify_hotp",
    "verify_totp",
]

#: Public name -> the module of this package that defines it.
_SOURCES: dict[str, str] = {
    "Account": "account",
    "Algorithm": "account",
    "OtpType": "account",
    "Drift": "drift",
    "find_drift": "drift",
    "InvalidCodeError": "errors",
    "InvalidMigrationError": "errors",
    "InvalidParameterError": "errors",
    "InvalidSecretError": "errors",
    "InvalidURIError": "errors",
    "MalformedCodeError": "errors",
    "OTPError": "errors",
    "QRDependencyError": "errors",
    "QRError": "errors",
    "ReusedCodeError": "errors",
    "STEAM_ALPHABET": "hotp",
    "generate_hotp": "hotp",
    "normalize_code": "hotp",
    "verify_hotp": "hotp",
    "MigrationBatch": "migration",
    "SkippedAccount": "migration",
    "build_migration_uris": "migration",
    "combine_batches": "migration",
    "is_representable": "migration",
    "parse_migration_uri": "migration",
    "skipped_in_export": "migration",
    "make_qr_png": "qr",
    "make_qr_svg": "qr",
    "make_qr_text": "qr",
    "read_qr": "qr",
    "DEFAULT_SECRET_BITS": "secret",
    "RFC4226_MINIMUM_BITS": "secret",
    "Secret": "secret",
    "DEFAULT_PERIOD": "totp",
    "DEFAULT_WINDOW": "totp",
    "generate_totp": "totp",
    "seconds_remaining": "totp",
    "time_step": "totp",
    "verify_totp": "totp",
    "build_uri": "uri",
    "parse_uri": "uri",
}


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use (PEP 562) and keep the value."""
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
