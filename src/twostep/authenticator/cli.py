"""``twostep-auth``: the authenticator on the command line (argparse; heavy imports stay lazy).

The command handlers are in :mod:`twostep.authenticator.commands`; this module builds the
parser, runs the fast ``code`` path first (:mod:`twostep.authenticator.fastpath`), and turns
errors into messages and exit codes in one place (:func:`main`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import argparse

__all__ = ["build_parser", "main"]

PROG = "twostep-auth"

DESCRIPTION = """\
A two-step verification (TOTP/HOTP) authenticator for the terminal. Your accounts live in one
encrypted vault file; unlock it once per shell, then ask for codes.

first steps:
  twostep-auth init                          create the vault (asks for a password twice)
  eval "$(twostep-auth unlock)"              unlock it for this shell (15 min idle, 12 h max)
  twostep-auth add --screen                  add the account whose QR code a website shows
  twostep-auth add --qr ~/Downloads/qr.png   ... or from a saved QR code image
  twostep-auth add --issuer GitHub --account alice --secret JBSW...   ... or by hand
  twostep-auth code github                   print the current code (and seconds left)
  twostep-auth code github --copy            put it on the clipboard (cleared after 30 s)
  twostep-auth watch                         live view of every code; type to filter
  twostep-auth lock                          forget the session

backup and sync (end-to-end encrypted, with a twostep server):
  twostep-auth register --server URL --email ADDRESS   back up this vault; changes then sync
  twostep-auth login --server URL --email ADDRESS      the same accounts on another computer
  twostep-auth status                        server, account, last sync, anything waiting

without a vault (like oathtool):
  twostep-auth code --uri 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME'
  twostep-auth code --secret JBSWY3DPEHPK3PXP --digits 8 --at 1700000000

NAME (for code, show, rename, remove) is matched case-insensitively against the issuer, the
account name or "issuer:account"; a unique prefix is enough ("git" for GitHub). When several
entries match, they are listed.
"""

EPILOG_TAIL = """

environment:
  TWOSTEP_VAULT      the vault file (default: $XDG_DATA_HOME/twostep/vault.twostep, i.e.
                     ~/.local/share/twostep/vault.twostep)
  TWOSTEP_SESSION    the session token printed by `unlock` (never contains the key itself)

Secrets are never printed unless you ask (`show --reveal`, `show --qr`). Errors print one line;
--debug adds the traceback."""


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from twostep.authenticator.errors import EXIT_CODES_HELP

    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EXIT_CODES_HELP + EPILOG_TAIL,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _register_commands(subparsers)
    from twostep.authenticator import transfer_cli

    transfer_cli.register(subparsers)
    from twostep.authenticator import sync_cli

    sync_cli.register(subparsers)
    _add_common_options(subparsers)
    return parser


def _sub(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    summary: str,
    examples: str,
    handler: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    import argparse

    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def _otp_parameters(parser: argparse.ArgumentParser, *, counter_default: int | None) -> None:
    parser.add_argument(
        "--type",
        choices=["totp", "hotp", "steam"],
        help="(default: totp"
        + ("; hotp when --counter is given, as with oathtool)" if counter_default is None else ")"),
    )
    parser.add_argument("--algorithm", default="SHA1", help="SHA1, SHA256 or SHA512 (default SHA1)")
    parser.add_argument("--digits", type=int, help="6 to 10 (default 6; Steam: 5 characters)")
    parser.add_argument("--period", type=int, default=30, help="TOTP seconds (default 30)")
    parser.add_argument(
        "--counter",
        type=int,
        default=counter_default,
        help="HOTP counter" + ("" if counter_default is None else f" (default {counter_default})"),
    )


STRENGTH_HELP = """\
The new password is checked with zxcvbn (an estimator that knows common passwords, words,
names, keyboard patterns and dates); one that is too easy to guess (score below 2 of 4) is
refused with the reason, unless you pass --weak-password-ok. Anyone with a copy of the vault
file can try passwords offline: a few uncommon words make a good one."""


def _weak_password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--weak-password-ok",
        action="store_true",
        help="use the new password even if zxcvbn rates it too easy to guess",
    )


def _register_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from twostep.authenticator import commands as c
    from twostep.authenticator.clipboard import DEFAULT_CLEAR_AFTER

    p = _sub(
        subparsers,
        "init",
        "create a new, empty vault",
        "  twostep-auth init\n"
        "  printf '%s\\n' \"$PASSWORD\" | twostep-auth init --password-stdin\n"
        "  TWOSTEP_VAULT=~/work.twostep twostep-auth init     a second vault\n\n" + STRENGTH_HELP,
        c.cmd_init,
    )
    _weak_password_option(p)
    p = _sub(
        subparsers,
        "unlock",
        "unlock the vault for this shell: prints `export TWOSTEP_SESSION=...`",
        '  eval "$(twostep-auth unlock)"\n'
        '  eval "$(twostep-auth unlock --idle 60)"     stay unlocked for an hour of inactivity',
        c.cmd_unlock,
    )
    p.add_argument(
        "--idle",
        type=float,
        default=15,
        metavar="MINUTES",
        help="lock after this many minutes without use (default 15)",
    )
    p.add_argument(
        "--max-age",
        type=float,
        default=12,
        metavar="HOURS",
        help="lock this many hours after unlocking, in any case (default 12)",
    )
    p = _sub(
        subparsers,
        "lock",
        "forget the session (prints `unset TWOSTEP_SESSION`)",
        '  eval "$(twostep-auth lock)"\n  twostep-auth lock --all     every session of this vault',
        c.cmd_lock,
    )
    p.add_argument("--all", action="store_true", help="revoke every session of this vault")
    p = _sub(
        subparsers,
        "passwd",
        "change the vault password (and the key; every session is locked)",
        "  twostep-auth passwd\n"
        '  printf \'%s\\n%s\\n\' "$OLD" "$NEW" | twostep-auth passwd --password-stdin\n\n'
        + STRENGTH_HELP,
        c.cmd_passwd,
    )
    _weak_password_option(p)
    p = _sub(
        subparsers,
        "add",
        "add an account: from a URI, a QR code image, the screen, or by hand",
        "  twostep-auth add --screen                 the QR code a web page shows right now\n"
        "  twostep-auth add --qr code.png            every otpauth QR code in the image\n"
        "  twostep-auth add --qr export1.png export2.png   a Google Authenticator export\n"
        "  twostep-auth add --uri 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP'\n"
        "  twostep-auth add --issuer GitHub --account alice     (asks for the secret)\n"
        "  twostep-auth add --issuer Bank --account me --secret JBSW... --digits 8 --period 60\n"
        "  twostep-auth add --qr new-qr.png --replace     re-enrolled: the new secret replaces\n"
        "                                                  the old entry",
        c.cmd_add,
    )
    from twostep.authenticator.add_command import add_options

    add_options(p, _otp_parameters)
    p = _sub(
        subparsers,
        "list",
        "list the entries (issuer, account, type; never secrets)",
        "  twostep-auth list\n"
        "  twostep-auth list --long     ids and dates, to tell entries with one name apart\n"
        "  twostep-auth list --json | jq '.[].issuer'",
        c.cmd_list,
    )
    p.add_argument(
        "--json", action="store_true", help="JSON, with ids and dates (created_at), no secrets"
    )
    p.add_argument(
        "--long",
        "-l",
        action="store_true",
        help="also the id (its first 8 characters pick the entry as NAME) and the date added",
    )
    p.add_argument("--group", help="only entries in this group")
    p = _sub(
        subparsers,
        "code",
        "print the current code of an entry (or of a URI or secret, without a vault)",
        "  twostep-auth code github            the code; seconds left on stderr\n"
        "  twostep-auth code github --copy     to the clipboard, cleared after 30 s\n"
        "  twostep-auth code github --next     the code of the next period\n"
        "  twostep-auth code --uri 'otpauth://totp/X?secret=JBSWY3DPEHPK3PXP' --at 1700000000\n"
        "  twostep-auth code --secret JBSWY3DPEHPK3PXP --type hotp --counter 5",
        c.cmd_code,
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="issuer, account or issuer:account")
    p.add_argument("--copy", action="store_true", help="copy to the clipboard instead of printing")
    p.add_argument(
        "--clear-after",
        type=float,
        default=DEFAULT_CLEAR_AFTER,
        metavar="SECONDS",
        help=f"clear the copied code after this long (default {DEFAULT_CLEAR_AFTER:g}; 0 never)",
    )
    p.add_argument("--next", action="store_true", help="the code of the next time period")
    p.add_argument("--at", type=float, metavar="UNIX_TIME", help="the code at this time")
    adhoc = p.add_argument_group("without a vault")
    adhoc.add_argument("--uri", help="an otpauth:// URI")
    adhoc.add_argument("--secret", help="a base32 key")
    _otp_parameters(adhoc, counter_default=None)  # type: ignore[arg-type]
    p = _sub(
        subparsers,
        "show",
        "show an entry's details (the secret only with --reveal)",
        "  twostep-auth show github\n"
        "  twostep-auth show github --qr       a QR code to scan with a phone\n"
        "  twostep-auth show github --reveal   the secret and otpauth:// URI",
        c.cmd_show,
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--qr", action="store_true", help="print a QR code (it contains the secret)")
    p.add_argument("--reveal", action="store_true", help="print the secret and the URI")
    p = _sub(
        subparsers,
        "rename",
        "change an entry's issuer and/or account name",
        "  twostep-auth rename github 'GitHub:alice@work'\n"
        "  twostep-auth rename github --account alice@work",
        c.cmd_rename,
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("new", nargs="?", metavar="NEW", help="issuer:account, or just the account")
    p.add_argument("--issuer", help="the new issuer")
    p.add_argument("--account", dest="new_account", help="the new account name")
    p = _sub(
        subparsers,
        "remove",
        "remove an entry (asks first)",
        "  twostep-auth remove github\n  twostep-auth remove github --yes",
        c.cmd_remove,
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask")
    p = _sub(
        subparsers,
        "search",
        "list entries whose issuer, account, note or groups contain TEXT",
        "  twostep-auth search mail",
        c.cmd_search,
    )
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="JSON, without secrets")
    p = _sub(
        subparsers,
        "watch",
        "live full-screen view of every code; type to filter, Enter copies, Esc quits",
        "  twostep-auth watch\n  twostep-auth watch --filter work",
        c.cmd_watch,
    )
    p.add_argument("--filter", help="start with this filter")
    p.add_argument(
        "--clear-after",
        type=float,
        default=DEFAULT_CLEAR_AFTER,
        metavar="SECONDS",
        help=f"clear a copied code after this long (default {DEFAULT_CLEAR_AFTER:g})",
    )


def _add_common_options(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Every subcommand accepts ``--debug`` and ``--password-stdin`` (after its name)."""
    import argparse

    for sub in subparsers.choices.values():
        known = {opt for action in sub._actions for opt in action.option_strings}
        if "--debug" not in known:
            sub.add_argument(
                "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
            )
        if "--password-stdin" not in known:
            sub.add_argument(
                "--password-stdin",
                action="store_true",
                help="read the vault password from the first line of standard input "
                "(when there is no session)",
            )


def _report(exc: BaseException, debug: bool, detail: str = "") -> None:
    print(f"{PROG}: {exc}", file=sys.stderr)
    if debug:
        import traceback

        if detail:
            print(f"{PROG}: detail: {detail}", file=sys.stderr)
        traceback.print_exception(exc, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run ``twostep-auth`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    from twostep.authenticator import fastpath

    fast = fastpath.run(argv)
    if fast is not None:
        return fast
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args))
    except SystemExit as exc:  # argparse: --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # `twostep-auth list | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        from twostep.authenticator.errors import AuthenticatorError
        from twostep.otp import OTPError

        if isinstance(exc, AuthenticatorError):
            _report(exc, debug, exc.detail)
            return exc.exit_code
        if isinstance(exc, OTPError):
            _report(exc, debug)
            return 1
        if isinstance(exc, OSError) and exc.strerror:  # e.g. a read-only vault directory
            print(f"{PROG}: {exc.strerror}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
            if debug:
                _report(exc, debug)
            return 1
        print(
            f"{PROG}: unexpected error ({type(exc).__name__}); run with --debug for details",
            file=sys.stderr,
        )
        if debug:
            _report(exc, debug)
        return 1
