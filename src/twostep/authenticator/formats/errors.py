"""The exceptions of import and export.

Every error a reader or writer in :mod:`twostep.authenticator.formats` raises for bad input
belongs to this tree; nothing else escapes (the fuzz tests hold the parsers to it)::

    FormatError (AuthenticatorError, exit 1 unless said otherwise)
    ├── FileTooLargeError       above MAX_IMPORT_BYTES: refused before parsing
    ├── UnrecognizedFormatError no format recognises the content
    ├── WrongFormatError        --format names a format the content is not
    ├── PasswordRequiredError   the file is encrypted and no password was given  (exit 3)
    ├── WrongPasswordError      wrong password, or a tampered file (deliberately the same)
    │                           also an app WrongPasswordError: exit 3
    ├── DamagedFileError        truncated, corrupt, or not an export of that app at all
    │   └── MissingQRCodesError Google Authenticator export with QR codes missing (.missing)
    ├── UnsupportedFileError    a real export twostep cannot read (e.g. Bitwarden encrypted)
    └── ExportRefusedError      the target format cannot carry some accounts

Messages say what is wrong with the file and what to do; they never contain a secret, a
password or the decrypted content. Per-entry faults are not exceptions: readers report them
as :class:`~twostep.authenticator.formats.base.Problem` values and keep going.
"""

from __future__ import annotations

from twostep.authenticator import errors as _app

__all__ = [
    "DamagedFileError",
    "ExportRefusedError",
    "FileTooLargeError",
    "FormatError",
    "MissingQRCodesError",
    "PasswordRequiredError",
    "UnrecognizedFormatError",
    "UnsupportedFileError",
    "WrongFormatError",
    "WrongPasswordError",
]


class FormatError(_app.AuthenticatorError):
    """A file could not be imported, or the vault could not be exported as asked."""


class FileTooLargeError(FormatError):
    """The file is larger than any real export; refused before it is parsed."""


class UnrecognizedFormatError(FormatError):
    """No registered format recognises the content."""


class WrongFormatError(FormatError):
    """The content is not in the format that was asked for (``--format``)."""


class PasswordRequiredError(FormatError, _app.VaultLockedError):
    """The file is encrypted and no password was given."""


class WrongPasswordError(FormatError, _app.WrongPasswordError):
    """The password is wrong or the encrypted data was altered: the two are not told apart."""


class DamagedFileError(FormatError):
    """The file is truncated or corrupt, or is valid JSON/text but not an export."""


class MissingQRCodesError(DamagedFileError):
    """Some QR codes of a Google Authenticator export are missing; ``missing`` lists their
    1-based numbers."""

    def __init__(self, message: str, missing: list[int]) -> None:
        super().__init__(message)
        self.missing = missing


class UnsupportedFileError(FormatError):
    """A genuine export of a variant twostep cannot read (the message says which)."""


class ExportRefusedError(FormatError):
    """The target format cannot represent some accounts; the message names them."""
