"""``twostep-auth import`` and ``twostep-auth export``: accounts in from, and out to, other apps.

Only the argparse definitions live at module level (``twostep-auth code`` must start fast); the
formats, the vault and the crypto are imported inside the handlers. The work itself is in
:mod:`twostep.authenticator.formats` (reading, writing, what an import adds); this module asks
for passwords and confirmations, shows the preview and progress, and writes files.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from collections.abc import Sequence
    from pathlib import Path

    from twostep.authenticator.entry import Entry
    from twostep.authenticator.formats import Format, ImportResult
    from twostep.authenticator.formats.plan import ImportPlan

__all__ = ["register"]

PROG = "twostep-auth"
#: Show a progress bar (on a terminal) for files at least this large or with this many entries.
PROGRESS_MIN_BYTES = 1024 * 1024
PROGRESS_MIN_ENTRIES = 200

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
EXPORT_FORMATS = ("twostep", "aegis", "2fas", "bitwarden", "otpauth", "google", "html")

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

EXPORT_DESCRIPTION = """\
Export the vault's accounts for another authenticator, or as a backup.

formats:
  twostep   encrypted export with every field (notes, groups, icons...): the backup to keep;
            Argon2id + AES-256-GCM, asks for a new password (twice)
  aegis     Aegis JSON; encrypted with a new password (Aegis imports it with that password),
            or --plain for an unencrypted file
  2fas      2FAS .2fas backup (schema 4, as the 2FAS app writes it); encrypted with a new
            password, or --plain. Carries each account's first group; no notes, favourites
            or icons. Accounts of 9 or 10 digits are refused by name (--skip-unsupported)
  bitwarden Bitwarden unencrypted .json (Import data > Bitwarden (json)): one login per
            account with its TOTP, note, favourite and first group as folder. HOTP accounts
            are refused by name, unless --skip-unsupported leaves them out
  otpauth   text, one otpauth:// URI per line; groups, note and favourite ride along in
            ente's codeDisplay parameter (other apps ignore it)
  google    Google Authenticator QR codes as PNG files, at most 10 accounts each
            (OUTPUT-1.png, OUTPUT-2.png... when there are several); scan them with
            Authenticator's "Transfer accounts > Import accounts". Accounts it cannot hold
            (Steam, periods other than 30 s, 7, 9 or 10 digits) are refused by name, unless
            --skip-unsupported leaves them out
  html      a printable page with one QR code and the secret per account (a paper backup)

Plain (unencrypted) exports put every secret in clear in a file: they ask for confirmation
(or --yes). Files are created readable by you only, and never overwrite an existing file
unless --force. --password-stdin reads the passwords one per line: the vault's (only when no
session is active), then the export password."""

EXPORT_EXAMPLES = """\
examples:
  twostep-auth export --format twostep -o backup.twostep.json
  twostep-auth export --format aegis -o aegis-import.json          encrypted for Aegis
  twostep-auth export --format 2fas -o backup.2fas                  encrypted for 2FAS
  twostep-auth export --format bitwarden -o bitwarden.json --yes
  twostep-auth export --format google -o ga.png                    ga-1.png, ga-2.png...
  twostep-auth export --format html -o paper-backup.html --yes
  twostep-auth export --format otpauth -o - --yes | qrencode ...   to standard output"""


def register(subparsers: Any) -> None:
    """Add the ``import`` and ``export`` subcommands (called by the CLI's parser builder)."""
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

    p = subparsers.add_parser(
        "export",
        help="export the accounts for another authenticator, or as a backup",
        description=EXPORT_DESCRIPTION,
        epilog=EXPORT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--format",
        "-f",
        required=True,
        choices=EXPORT_FORMATS,
        metavar="FORMAT",
        help="what to write: " + ", ".join(EXPORT_FORMATS) + " (see above)",
    )
    p.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="PATH",
        help="the file to create (google: the name the numbered PNGs are made from; "
        "'-' writes otpauth or html to standard output)",
    )
    p.add_argument(
        "--plain",
        action="store_true",
        help="aegis, 2fas: write it unencrypted (asks for confirmation)",
    )
    p.add_argument("--yes", "-y", action="store_true", help="confirm a plain export without asking")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="google, 2fas, bitwarden: leave out the accounts the format cannot hold (they are "
        "listed) instead of failing",
    )
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password(s) from standard input, one per line (see above)",
    )
    p.set_defaults(handler=cmd_export)


# -- small terminal helpers -------------------------------------------------------------------
def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _confirm(question: str, *, default: bool, yes: bool, needed_for: str) -> bool:
    """Ask on the terminal; ``--yes`` answers yes. Without a terminal, a question that guards
    something risky (``default=False``) fails with a hint instead of guessing."""
    from twostep.authenticator.errors import UsageError

    if yes:
        return True
    if not _interactive():
        if default:
            return True
        raise UsageError(f"{needed_for}: add --yes to confirm (there is no terminal to ask on)")
    hint = "[Y/n]" if default else "[y/N]"
    sys.stderr.write(f"{question} {hint} ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if not answer:
        return default
    return answer in ("y", "yes")


class _Progress:
    """A one-line progress bar on stderr, drawn only on a terminal, for a large file or one
    with many entries (``verb``: what is being done, "reading" or "saving")."""

    def __init__(self, *, large_file: bool, verb: str = "reading") -> None:
        self.terminal = sys.stderr.isatty()
        self.large_file = large_file
        self.verb = verb
        self.drawn = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.terminal or not (self.large_file or total >= PROGRESS_MIN_ENTRIES):
            return
        percent = done * 100 // max(total, 1)
        if percent == self.drawn:
            return
        self.drawn = percent
        filled = percent * 30 // 100
        bar = f"[{'#' * filled}{' ' * (30 - filled)}]"
        sys.stderr.write(f"\r  {self.verb:<7} {bar} {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


# -- import -----------------------------------------------------------------------------------
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
    from twostep.authenticator import services

    if not args.password_stdin:
        _err(f"This {fmt.title} file is encrypted.")
    return services.read_password(
        f"Password of the {fmt.title} file: ",
        stdin=args.password_stdin,
        what=f"the password of the {fmt.title} file",
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


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
    from twostep.authenticator import formats, services
    from twostep.authenticator.errors import AuthenticatorError
    from twostep.authenticator.formats.plan import plan_import

    files, size = _read_inputs(args.files)
    fmt = formats.choose_format(files, args.format)  # before any password: fail fast
    auth = services.open_vault(password_stdin=args.password_stdin)
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


# -- export -----------------------------------------------------------------------------------
def _output_paths(output: str, count: int, fmt: Format) -> list[Path]:
    from pathlib import Path

    path = Path(output)
    if count == 1:
        return [path]
    suffix = path.suffix or fmt.suffix
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return [path.with_name(f"{stem}-{n}{suffix}") for n in range(1, count + 1)]


def _write_private(path: Path, data: bytes, *, force: bool) -> None:
    """Create ``path`` readable by the owner only, completely written or not at all.

    Without ``force`` the file is created exclusively (never overwriting one that appeared
    meanwhile); with it, a private temporary file replaces the old one atomically.
    """
    import tempfile

    if force:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        target = temp
    else:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        target = str(path)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if force:
            os.replace(temp, path)
    except BaseException:
        if os.path.exists(target):
            os.unlink(target)
        raise


def _export_password(args: argparse.Namespace, fmt: Format) -> str:
    from twostep.authenticator import services

    if not args.password_stdin:
        _err(f"Choose a password for the {fmt.title} export; you need it to import the file.")
    return services.read_password(
        "Export password: ",
        stdin=args.password_stdin,
        confirm=True,
        what="the export password",
    )


def _select_for(fmt: Format, entries: list[Entry], skip: bool) -> list[Entry]:
    """The entries to export: with ``skip``, those the format cannot hold are left out (and
    named); without it they stay, and the writer refuses them by name."""
    if fmt.can_hold is None or not skip:
        return entries
    left_out = [e for e in entries if not fmt.can_hold(e)]
    if left_out:
        names = ", ".join(e.label or "(unnamed)" for e in left_out)
        _err(f"Left out ({fmt.title} cannot hold them): {names}")
    return [e for e in entries if fmt.can_hold(e)]


def cmd_export(args: argparse.Namespace) -> int:
    from twostep.authenticator import formats, services
    from twostep.authenticator.errors import AuthenticatorError, UsageError

    fmt = formats.get_format(args.format)
    if args.plain and fmt.encryption != "optional":
        optional = ", ".join(f.name for f in formats.export_formats() if f.encryption == "optional")
        raise UsageError(f"--plain applies to --format {optional} only")
    if args.skip_unsupported and fmt.can_hold is None:
        holding = ", ".join(f.name for f in formats.export_formats() if f.can_hold is not None)
        raise UsageError(f"--skip-unsupported applies to --format {holding} only")
    to_stdout = args.output == "-"
    if to_stdout and fmt.name not in ("otpauth", "html"):
        raise UsageError(f"{fmt.title} cannot be written to standard output; give -o FILE")
    if not to_stdout and not args.force and os.path.exists(args.output):
        raise UsageError(f"{args.output} exists; choose another name or add --force")
    auth = services.open_vault(password_stdin=args.password_stdin)
    entries = auth.entries()
    if not entries:
        raise AuthenticatorError("the vault is empty: nothing to export")
    entries = _select_for(fmt, entries, args.skip_unsupported)
    if not entries:
        raise AuthenticatorError(f"no account can be exported to {fmt.title}")
    encrypted = fmt.encryption == "required" or (fmt.encryption == "optional" and not args.plain)
    if encrypted:
        password: str | None = _export_password(args, fmt)
    else:
        password = None
        if not _confirm(
            f"The {fmt.title} export holds {_plural(len(entries), 'secret')} in clear; "
            "anyone who gets the file can make your codes. Continue?",
            default=False,
            yes=args.yes,
            needed_for="a plain export puts every secret in clear",
        ):
            _out("Nothing was exported.")
            return 1
    assert fmt.write is not None
    outputs = fmt.write(entries, password)
    if to_stdout:
        sys.stdout.buffer.write(outputs[0])
        sys.stdout.flush()
        return 0
    paths = _output_paths(args.output, len(outputs), fmt)
    if not args.force:
        taken = [str(p) for p in paths if p.exists()]
        if taken:
            raise UsageError(f"{', '.join(taken)} exist(s); choose another name or add --force")
    for path, data in zip(paths, outputs, strict=True):
        _write_private(path, data, force=args.force)
    where = str(paths[0]) if len(paths) == 1 else f"{paths[0]} ... {paths[-1]}"
    _err(f"Exported {_plural(len(entries), 'account')} as {fmt.title} to {where}.")
    if not encrypted:
        _err("It holds your secrets in clear: keep it safe and delete it when you are done.")
    return 0
