"""The OTP core: HOTP (RFC 4226), TOTP (RFC 6238), Steam Guard, ``otpauth://`` URIs, QR codes.

Standard library only (QR support imports segno / zxing-cpp / Pillow lazily). Time is always an
argument; verification raises on failure and returns the matched step. Typical use::

    from twostep.otp import Secret, Account, parse_uri, build_uri

    account = parse_uri("otpauth://totp/ACME:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
    code = account.generate(at=time.time())
    step = account.verify(code, at=time.time(), last_step=stored_step)  # raises InvalidCodeError

The exceptions are documented in :mod:`twostep.otp.errors`.
"""

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
