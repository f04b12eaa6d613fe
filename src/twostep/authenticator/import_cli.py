"""``twostep-auth import``: accounts in from another authenticator's export.

Only the argparse definitions live at module level (``twostep-auth code`` must start fast); the
formats, the vault and the crypto are imported inside the handler. The work itself is in
:mod:`twostep.authenticator.formats` (reading, what an import adds); this module asks for
passwords and confirmations and shows the preview and progress.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from twostep.authenticator.transfer_terminal import (
    PROGRESS_MIN_BYTES,
    _confirm,
    _err,
    _out,
    _plural,
    _Progress,
)

if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from collections.abc import Sequence

    from twostep.authenticator.formats import Format, ImportResult
    from twostep.authenticator.formats.plan import ImportPlan

__all__ = ["IMPORT_FORMATS", "cmd_import", "register"]

#: The --format names (kept equal to the registry's by a test; listed here so that building the
#: parser imports nothing).
IMPORT_FORMATS = (
    "twostep",
    "twostep-vault",
    "aegis",
    "2fas",
    "andotp",
    "freeotp-plus",
    "stratum",
    "freeotp",
    "proton",
    "bitwarden",
    "ente",
    "google",
    "otpauth",
    "authy",
    "totp-auth",
    "battlenet",
    "steam",
    "duo",
    "microsoft",
    "google-db",
    "authplus",
    "winauth",
)

IMPORT_DESCRIPTION = """\
Import accounts from another authenticator's export (or from a twostep export).

The format is recognised from the content (every format is tried; a file none recognises is
refused before any password is asked, naming the formats tried); --format names one (below).
Text files may be UTF-8 or UTF-16, with or without a byte-order mark, with any line endings.
Encrypted files (Aegis, 2FAS, andOTP, ente, Stratum, FreeOTP 2, Proton, Authy, TOTP
Authenticator, Authenticator Plus, twostep exports and vaults) ask for their password. Before
anything is saved you see a preview: how many accounts the file holds, which are already in the
vault (same issuer, account and secret: skipped), which have the issuer and account of an entry
in the vault but another secret (added as a separate entry, so you can check which one works),
and which could not be read and why (entry number and field; secrets are never shown). Then
everything accepted is saved in one step: an import never stops halfway. Accounts that could
not be read do not stop the others (the exit status is 0 when at least one account was read).

formats:
  twostep        a twostep export (twostep-auth export --format twostep)
  twostep-vault  another twostep vault file (asks for its password; it is not changed)
  aegis          Aegis vault/export .json, plain or encrypted (content versions 1-3)
  2fas           2FAS .2fas backup, plain or encrypted
  andotp         andOTP otp_accounts.json or .json.aes (both encryption schemes; the old
                 one has nothing to recognise it by: give --format andotp)
  freeotp-plus   FreeOTP+ .json export (its URI-list export is the otpauth format)
  stratum        Stratum / Authenticator Pro backup, plain or encrypted (also the old
                 "AuthenticatorPro" encryption), or the app's authenticator.db3 database
  freeotp        FreeOTP 2 backup (externalBackup.xml or tokenBackup.xml, asks for the
                 backup password), or the tokens.xml of FreeOTP 1 or FreeOTP+ (from the
                 app's data: rooted phones, Android backups)
  proton         Proton Authenticator export .json, plain or password-protected
  bitwarden      Bitwarden unencrypted .json or .csv export (the TOTP field of logins)
  ente           ente Auth encrypted export (its plain export is the otpauth format)
  google         Google Authenticator "Transfer accounts" QR codes: screenshots/photos of
                 them (PNG, JPEG, ...) or the otpauth-migration:// URIs as text (# comment
                 lines allowed); give every QR code of the export (several FILEs); missing
                 ones are named; several one-account exports in one file are fine
  otpauth        a text file of otpauth:// URIs, one per line (also ente's plain export)

  Apps without an export, from files copied off a rooted Android phone:
  authy          Authy: shared_prefs/com.authy.storage.tokens.authenticator.xml (or
                 ...tokens.authy.xml); asks for the backups password when the secrets are
                 encrypted
  totp-auth      TOTP Authenticator: its backup file (asks for the backup password unless it
                 is the app's default) or shared_prefs/TOTP_Authenticator_Preferences.xml
  battlenet      Battle.net Authenticator: shared_prefs/com.blizzard.bma.AUTH_STORE.xml, or
                 the Battle.net app's ..._preferences.xml (secret and serial)
  steam          Steam Desktop Authenticator .maFile, or the Steam app's Steamguard-<id> file
  duo            Duo Mobile: files/duokit/accounts.json
  microsoft      Microsoft Authenticator: databases/PhoneFactor (SQLite)
  google-db      Google Authenticator: databases/databases (SQLite; newer versions encrypt it,
                 use its QR code export then)
  authplus       Authenticator Plus: the password-protected export .zip (Accounts.txt), or a
                 zip holding its authplus.db backup (needs: pip install 'twostep[sqlcipher]')
  winauth        WinAuth's text export (otpauth:// lines with Battle.net serials, Steam data
                 and icons); unzip a password-protected WinAuth export first

Files larger than 20 MB are refused unread. Passwords given with --password-stdin are read
one per line, in the order they are needed: the vault's (only when no session is active),
then the file's (only when it is encrypted)."""

IMPORT_EXAMPLES = """\
examples:
  twostep-auth import ~/Downloads/aegis-export.json
  twostep-auth import --dry-run backup.2fas              preview only, change nothing
  twostep-auth import ga-1.png ga-2.png ga-3.png         a Google Authenticator export
  twostep-auth import --format otpauth accounts.txt
  printf '%s\\n' "$FILE_PASSWORD" | twostep-auth import --password-stdin otp_accounts.json.aes
                                                       (with a session from `unlock`)"""


def register(subparsers: Any) -> None:
    """Add the ``import`` subcommand (called by :func:`.transfer_cli.register`)."""
    import argparse

    p = subparsers.add_parser(
        "import",
        help="import accounts from another authenticator's export",
        description=IMPORT_DESCRIPTION,
        epilog=IMPORT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="the export file(s)")
    p.add_argument(
        "--format",
        "-f",
        choices=IMPORT_FORMATS,
        metavar="FORMAT",
        help="the file's format, when recognising it is not enough (see above)",
    )
    p.add_argument("--dry-run", "-n", action="store_true", help="show the preview; save nothing")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before saving")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password(s) from standard input, one per line (see above)",
    )
    p.set_defaults(handler=cmd_import)


def _read_inputs(names: Sequence[str]) -> tuple[list[bytes], int]:
    from twostep.authenticator.errors import AuthenticatorError
    from twostep.authenticator.formats import MAX_IMPORT_BYTES, check_size

    files: list[bytes] = []
    total = 0
    for name in names:
        where = name if len(name) <= 200 else name[:200] + "..."
        try:
            with open(name, "rb") as handle:
                check_size(os.fstat(handle.fileno()).st_size, where)
                data = handle.read(MAX_IMPORT_BYTES + 1)
        except FileNotFoundError:
            raise AuthenticatorError(f"no such file: {where}") from None
        except IsADirectoryError:
            raise AuthenticatorError(f"{where} is a directory, not an export file") from None
        except PermissionError:
            raise AuthenticatorError(f"cannot read {where}: permission denied") from None
        check_size(len(data), where)  # a pipe or a file that grew meanwhile
        files.append(data)
        total += len(data)
    return files, total


def _file_password(args: argparse.Namespace, fmt: Format) -> str:
    from twostep.authenticator import opening

    if not args.password_stdin:
        _err(f"This {fmt.title} file is encrypted.")
    return opening.read_password(
        f"Password of the {fmt.title} file: ",
        stdin=args.password_stdin,
        what=f"the password of the {fmt.title} file",
    )


def _preview(fmt: Format, result: ImportResult, plan: ImportPlan) -> None:
    _out(f"{fmt.title}: {_plural(result.total, 'account')} in the file")
    fresh = len(plan.new) - len(plan.conflicts)
    _out(f"  {fresh:4d} new")
    if plan.duplicates:
        _out(
            f"  {len(plan.duplicates):4d} already in the vault "
            "(same issuer, account and secret): skipped"
        )
        for entry in plan.duplicates:
            _out(f"         {entry.label or '(unnamed)'}")
    if plan.conflicts:
        _out(
            f"  {len(plan.conflicts):4d} with the issuer and account of an entry in the vault "
            "but another secret: added as separate entries"
        )
        for conflict in plan.conflicts:
            _out(f"         {conflict.entry.label or '(unnamed)'}")
        _out("         (check which one gives working codes, then remove the other)")
    if result.problems:
        _out(f"  {len(result.problems):4d} could not be read:")
        for problem in result.problems:
            _out(f"         {problem}")
    for note in result.notes:
        _out(f"  note: {note}")


def cmd_import(args: argparse.Namespace) -> int:
    from twostep.authenticator import formats, opening
    from twostep.authenticator.errors import AuthenticatorError
    from twostep.authenticator.formats.plan import plan_import

    files, size = _read_inputs(args.files)
    fmt = formats.choose_format(files, args.format)  # before any password: fail fast
    auth = opening.open_vault(password_stdin=args.password_stdin)
    password = None
    if any(fmt.is_encrypted(data) for data in files):
        password = _file_password(args, fmt)
    progress = _Progress(large_file=size >= PROGRESS_MIN_BYTES)
    try:
        fmt, result = formats.read_files(files, password, format_name=fmt.name, progress=progress)
    except formats.PasswordRequiredError:
        password = _file_password(args, fmt)
        fmt, result = formats.read_files(files, password, format_name=fmt.name, progress=progress)
    plan = plan_import(auth.entries(), result.entries)
    _preview(fmt, result, plan)
    if not plan.new:
        if not result.entries and result.problems:
            raise AuthenticatorError("no account in the file could be read; nothing was imported")
        _out("Nothing to import.")
        return 0
    if args.dry_run:
        _out(f"Dry run: {_plural(len(plan.new), 'account')} would be imported; nothing was saved.")
        return 0
    if not _confirm(
        f"Import {_plural(len(plan.new), 'account')} into {auth.path}?",
        default=True,
        yes=args.yes,
        needed_for="import",
    ):
        _out("Nothing was imported.")
        return 1
    saving = _Progress(large_file=size >= PROGRESS_MIN_BYTES, verb="saving")
    report = auth.add_entries(plan.new, on_duplicate="skip", progress=saving)
    _out(f"Imported {_plural(len(report.added), 'account')} into {auth.path}.")
    if report.skipped:
        _out(f"({len(report.skipped)} were added to the vault by another process meanwhile.)")
    return 0
