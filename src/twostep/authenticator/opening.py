"""Opening the vault the way every command does: find it, unlock it with the session in
``$TWOSTEP_SESSION`` or a password (read from stdin or asked on the terminal), create it, and
start or end sessions. Each returns an :class:`~.unlocked_vault.Authenticator`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from twostep.authenticator import paths
from twostep.authenticator.errors import NoVaultError, UsageError, VaultLockedError
from twostep.authenticator.session import (
    DEFAULT_IDLE,
    DEFAULT_MAX_AGE,
    ENV_VAR,
    create_session,
    open_session,
    revoke_all_sessions,
    revoke_session,
)
from twostep.authenticator.unlocked_vault import Authenticator
from twostep.authenticator.vault import Vault

__all__ = [
    "create_vault",
    "end_session",
    "open_vault",
    "read_password",
    "start_session",
    "vault_location",
]


def vault_location(path: str | os.PathLike[str] | None = None) -> Path:
    """``path``, or ``$TWOSTEP_VAULT``, or the XDG default."""
    return Path(path if path is not None else paths.vault_path())


def read_password(
    prompt: str = "Password: ",
    *,
    stdin: bool = False,
    confirm: bool = False,
    what: str = "the password",
    hint: str = "pass it on standard input with --password-stdin",
) -> str:
    """Read a password: one line of standard input with ``stdin`` (for scripts: ``printf '%s\\n'
    "$PW" | twostep-auth ... --password-stdin``), else from the terminal without echo
    (``confirm`` asks twice). Raises :class:`UsageError` when there is no terminal to ask on
    (its message is ``no terminal to ask for {what}; {hint}``) or the password is empty."""
    if stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password[:-1] if password.endswith("\r") else password
    else:
        try:
            tty = open("/dev/tty")  # noqa: SIM115 - only probing that there is a terminal
        except OSError:
            raise UsageError(f"no terminal to ask for {what}; {hint}") from None
        tty.close()
        import getpass

        password = getpass.getpass(prompt)
        if confirm and getpass.getpass("Again: ") != password:
            raise UsageError("the passwords do not match")
    if not password:
        raise UsageError(f"{what} must not be empty")
    return password


def _warn(message: str) -> None:
    print(f"twostep-auth: {message}", file=sys.stderr)


def open_vault(
    *, password_stdin: bool = False, path: str | os.PathLike[str] | None = None
) -> Authenticator:
    """Unlock the user's vault the way every command does (see the module docstring)."""
    location = vault_location(path)
    if not location.exists():
        raise NoVaultError(
            f"no vault at {location}; create one with `twostep-auth init`"
            " (or set TWOSTEP_VAULT to the vault's path)"
        )
    token = os.environ.get(ENV_VAR, "").strip()
    if token:
        try:
            key, key_id = open_session(token, paths.session_dir(), location, now=time.time())
            return Authenticator(Vault(location, key, key_id))
        except VaultLockedError as exc:
            if not password_stdin and not _has_terminal():
                raise
            _warn(f"{exc}; asking for the password")
    try:
        password = read_password(stdin=password_stdin, what="the vault password")
    except UsageError:
        raise VaultLockedError(
            'the vault is locked: run `eval "$(twostep-auth unlock)"` first, '
            "or pass the password with --password-stdin"
        ) from None
    return Authenticator(Vault.unlock(location, password))


def _has_terminal() -> bool:
    try:
        with open("/dev/tty"):
            return True
    except OSError:
        return False


def create_vault(password: str, *, path: str | os.PathLike[str] | None = None) -> Authenticator:
    """Create a new vault (KDF calibrated here); :class:`VaultExistsError` if one exists."""
    location = vault_location(path)
    return Authenticator(Vault.create(location, password))


def start_session(
    auth: Authenticator, *, idle: int = DEFAULT_IDLE, max_age: int = DEFAULT_MAX_AGE
) -> str:
    """Create a session for the unlocked vault; returns the token for ``TWOSTEP_SESSION``."""
    return create_session(
        paths.session_dir(),
        auth.path,
        auth.vault.master_key,
        auth.vault.key_id,
        now=time.time(),
        idle=idle,
        max_age=max_age,
    )


def end_session(*, all_sessions: bool = False, path: str | os.PathLike[str] | None = None) -> int:
    """Revoke the current session (``$TWOSTEP_SESSION``), or every session of the vault."""
    if all_sessions:
        return revoke_all_sessions(paths.session_dir(), vault_location(path))
    token = os.environ.get(ENV_VAR, "").strip()
    if not token:
        return 0
    return int(revoke_session(token, paths.session_dir()))
