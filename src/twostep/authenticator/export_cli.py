"""``twostep-auth export``: the vault's accounts out, for another authenticator or as a backup.

Only the argparse definitions live at module level (``twostep-auth code`` must start fast); the
formats, the vault and the crypto are imported inside the handler. The work itself is in
:mod:`twostep.authenticator.formats` (writing); this module asks for passwords and
confirmations and writes the files.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from twostep.authenticator.transfer_terminal import (
    _confirm,
    _err,
    _out,
    _plural,
)

if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from pathlib import Path

    from twostep.authenticator.entry import Entry
    from twostep.authenticator.formats import Format

__all__ = ["EXPORT_FORMATS", "cmd_export", "register"]

#: The --format names (kept equal to the registry's by a test; listed here so that building the
#: parser imports nothing).
EXPORT_FORMATS = ("twostep", "aegis", "2fas", "bitwarden", "otpauth", "google", "html")

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
    """Add the ``export`` subcommand (called by :func:`.transfer_cli.register`)."""
    import argparse

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
    from twostep.authenticator import opening

    if not args.password_stdin:
        _err(f"Choose a password for the {fmt.title} export; you need it to import the file.")
    return opening.read_password(
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
    from twostep.authenticator import formats, opening
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
    auth = opening.open_vault(password_stdin=args.password_stdin)
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
