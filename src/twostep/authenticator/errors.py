"""The exceptions of the authenticator app, and the one place that maps them to exit codes.

Every failure the app reports on purpose is an :class:`AuthenticatorError`; its ``exit_code``
is what ``twostep-auth`` exits with, and its message (``str(exc)``) is what the user reads after
``twostep-auth: ``. Messages never contain a secret, a code or a password. Errors of the OTP core
(:class:`twostep.otp.OTPError`, bad URIs and parameters) are reported with exit code 1.

::

    AuthenticatorError                  exit 1   base class; anything not listed below
    ├── UsageError                      exit 2   bad combination of options or arguments
    │   └── WeakPasswordError           exit 2   a new vault password is trivially guessable
    ├── VaultLockedError                exit 3   no session and no way to ask for the password,
    │   │                                        or the session expired / was revoked
    │   └── WrongPasswordError          exit 3   "wrong password or damaged vault": one error for
    │                                            a wrong password and for any tampered byte
    ├── NotFoundError                   exit 4   no entry matches NAME
    │   └── NoVaultError                exit 4   there is no vault file yet (run ``init``)
    ├── AmbiguousNameError              exit 5   NAME matches several entries (``candidates``)
    ├── DuplicateEntryError             exit 6   the account is already in the vault (``--force``)
    │   └── VaultExistsError            exit 6   ``init`` on an existing vault
    ├── VaultBusyError                  exit 7   another process holds the vault's write lock
    ├── ClipboardError                  exit 8   no clipboard available (``--copy``)
    ├── SameAccountError                exit 9   ``add``: the issuer and account are there already
    │                                            (another secret) and there is no terminal to
    │                                            ask: ``--replace`` or ``--keep-both`` decides
    └── SyncError                       exit 10  the sync server refused (the message says why)
        ├── ServerUnreachableError      exit 11  nothing answered (offline, server down)
        ├── DeviceRevokedError          exit 12  this computer's device is not accepted any more
        ├── VersionConflictError        exit 10  an upload lost a race (merged and retried)
        └── NotRegisteredError          exit 10  the vault is not registered with a server
    AccountCredentialsError (a VaultLockedError, exit 3): wrong sync email or password

Exit code 130 means interrupted (Ctrl-C). ``EXIT_CODES_HELP`` is the table shown in ``--help``.
Other parts (the import/export commands) may subclass :class:`AuthenticatorError` directly (exit
1) or any class here to reuse its exit code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

__all__ = [
    "EXIT_CODES_HELP",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "AccountCredentialsError",
    "AmbiguousNameError",
    "AuthenticatorError",
    "ClipboardError",
    "DeviceRevokedError",
    "DuplicateEntryError",
    "NoVaultError",
    "NotFoundError",
    "NotRegisteredError",
    "SameAccountError",
    "ServerUnreachableError",
    "SyncError",
    "UsageError",
    "VaultBusyError",
    "VaultExistsError",
    "VaultLockedError",
    "VersionConflictError",
    "WeakPasswordError",
    "WrongPasswordError",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class AuthenticatorError(Exception):
    """Base class: a failure to report to the user with ``exit_code`` (1 unless overridden).

    ``detail`` is extra diagnostic text shown only with ``--debug`` (never a secret either).
    """

    exit_code: ClassVar[int] = EXIT_ERROR

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class UsageError(AuthenticatorError):
    """The command line does not make sense (same exit code as argparse's own errors)."""

    exit_code = EXIT_USAGE


class WeakPasswordError(UsageError):
    """A new vault password is trivially guessable (see :mod:`twostep.authenticator.passwords`);
    ``--weak-password-ok`` overrides."""


class VaultLockedError(AuthenticatorError):
    """The vault cannot be unlocked now: no session and no password available, or the session
    token is expired, revoked or malformed."""

    exit_code = 3


class WrongPasswordError(VaultLockedError):
    """Wrong password, or the vault file was damaged or tampered with: deliberately one error,
    so the file tells an attacker nothing about which part failed."""

    MESSAGE: ClassVar[str] = "wrong password or damaged vault"

    def __init__(self, message: str = "", *, detail: str = "") -> None:
        super().__init__(message or self.MESSAGE, detail=detail)


class NotFoundError(AuthenticatorError):
    """No entry matches the given name."""

    exit_code = 4


class NoVaultError(NotFoundError):
    """There is no vault file at the configured path."""


class AmbiguousNameError(AuthenticatorError):
    """A name matches more than one entry; ``candidates`` holds their labels."""

    exit_code = 5

    def __init__(self, name: str, candidates: Sequence[str]) -> None:
        listed = "\n".join(f"  {c}" for c in candidates)
        super().__init__(f"{name!r} matches {len(candidates)} entries; be more specific:\n{listed}")
        self.name = name
        self.candidates = tuple(candidates)


class DuplicateEntryError(AuthenticatorError):
    """The account (same issuer, name and secret) is already in the vault."""

    exit_code = 6


class VaultExistsError(DuplicateEntryError):
    """``init`` was asked to create a vault where one already exists."""


class VaultBusyError(AuthenticatorError):
    """Another process is writing the vault and did not finish in time."""

    exit_code = 7


class ClipboardError(AuthenticatorError):
    """The clipboard is not available (no display, no xclip/xsel/wl-copy)."""

    exit_code = 8


class SameAccountError(AuthenticatorError):
    """``add``: an entry with the same issuer and account name (but another secret: a
    re-enrolment?) is in the vault, and there is no terminal to ask whether to replace it."""

    exit_code = 9


class SyncError(AuthenticatorError):
    """The sync server refused a request (the message says why, in words)."""

    exit_code = 10
    code: str = ""
    data: dict[str, object] | None = None


class ServerUnreachableError(SyncError):
    """No answer from the sync server (no network, server down, timeout)."""

    exit_code = 11


class DeviceRevokedError(SyncError):
    """The server refuses this computer's device token (revoked, or the account deleted)."""

    exit_code = 12


class VersionConflictError(SyncError):
    """An upload was based on an older version than the server's (``version``)."""

    def __init__(self, message: str, *, version: int) -> None:
        super().__init__(message)
        self.version = version


class NotRegisteredError(SyncError):
    """The vault has no sync account (``twostep-auth register`` or ``login`` first)."""


class AccountCredentialsError(VaultLockedError):
    """Wrong sync email address or account password (the server never says which)."""


#: The exit-code table for ``twostep-auth --help`` and the docs (kept next to the classes).
EXIT_CODES_HELP = """\
exit codes:
  0    success
  1    error (bad URI or secret, unreadable image, no QR code found, ...)
  2    usage error (unknown option, missing or conflicting arguments), or a new
       password that is too easy to guess (--weak-password-ok to use it anyway)
  3    vault locked: wrong password or damaged vault, expired or revoked session,
       no password available (no terminal and no --password-stdin); or a wrong
       sync account email or password
  4    not found: no entry matches NAME, or no vault yet (run `twostep-auth init`)
  5    ambiguous NAME: several entries match (they are listed)
  6    already exists: duplicate entry (use --force) or `init` on an existing vault
  7    vault busy: another twostep-auth process is writing it
  8    no clipboard available for --copy
  9    add: the same issuer and account are already in the vault with another secret,
       and there is no terminal to ask: pass --replace or --keep-both
  10   sync: the server refused (the message says why), or the vault is not registered
  11   sync: the server cannot be reached (your changes are kept here; run
       `twostep-auth sync` later)
  12   sync: the server no longer accepts this computer (device revoked): log in again
  130  interrupted"""
