"""The use cases of the authenticator, shared by the CLI, the TUI and the import/export commands.

Opening the vault the way every command does::

    from twostep.authenticator import services

    auth = services.open_vault(password_stdin=args.password_stdin)   # -> Authenticator
    entries = auth.entries()                                         # list[Entry]
    report = auth.add_entries(new_entries, on_duplicate="skip")      # one atomic save
    password = services.read_password("Password of the export file: ")

:func:`open_vault` finds the vault (``$TWOSTEP_VAULT`` or the XDG default, or ``path``), then
uses the session in ``$TWOSTEP_SESSION`` if it is valid (no KDF), else reads the password from
stdin (``password_stdin=True``) or asks on the terminal. Errors are
:mod:`~twostep.authenticator.errors` classes (the CLI maps them to exit codes):
:class:`NoVaultError`, :class:`VaultLockedError` / :class:`WrongPasswordError`,
:class:`NotFoundError`, :class:`AmbiguousNameError`, :class:`DuplicateEntryError`,
:class:`VaultBusyError`.

Every change goes through :meth:`Authenticator.update`: the entries are re-read under the
writer lock, changed, and saved in one atomic write (all or nothing), so concurrent processes
never lose each other's changes.

The vault's use cases are :mod:`.unlocked_vault` (:class:`Authenticator`) and the ways to open
it :mod:`.opening`; this module is where they are imported from (scripts and the docs use it).
"""

from __future__ import annotations

from twostep.authenticator.opening import (
    create_vault,
    end_session,
    open_vault,
    read_password,
    start_session,
    vault_location,
)
from twostep.authenticator.unlocked_vault import AddReport, Authenticator, CodeResult, OnDuplicate

__all__ = [
    "AddReport",
    "Authenticator",
    "CodeResult",
    "OnDuplicate",
    "create_vault",
    "end_session",
    "open_vault",
    "read_password",
    "start_session",
    "vault_location",
]
