"""The sync commands' arguments and help: register, login, sync, status, devices, account,
recover. Handlers are in :mod:`twostep.authenticator.sync_commands`."""

from __future__ import annotations

import argparse

from .cli import _sub  # the commands' parser shape, one for every command

__all__ = ["register"]

NOBODY_ELSE = """\
End-to-end encrypted: your account password, your vault key and your secrets never leave this
computer; the server stores only ciphertext it cannot read. So without your account password
or the recovery key, the backup cannot be read by anyone, the server's owner included, and
there is no reset by mail."""

STDIN = """\
With --password-stdin the passwords are read from standard input, one per line, in the order
asked: the vault password first (only when no session is unlocked), then the account's."""


def _server_email(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", required=True, metavar="URL", help="the twostep server")
    parser.add_argument("--email", required=True, metavar="ADDRESS", help="your email address")
    parser.add_argument(
        "--device-name",
        metavar="NAME",
        help="this computer's name in `devices` (default: the host name)",
    )


def _stdin(parser: argparse.ArgumentParser, then: str = "the account password") -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read from standard input, one a line: the vault password (only when no session "
        f"is unlocked), then {then}",
    )


def _json(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"{what} as JSON, for scripts")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from twostep.authenticator import sync_commands as c

    p = _sub(
        subparsers,
        "register",
        "back up and sync this vault: create an account on a twostep server",
        "  twostep-auth register --server https://2fa.example.com --email ann@example.com\n"
        "  twostep-auth register --server https://2fa.example.com --email ann@example.com \\\n"
        "      --code K7MX-3QPD          the code from the mail, instead of opening the link\n\n"
        "What happens: you choose an account password; the server mails you a link and a\n"
        "code; the command waits until the link is opened (or you paste the code; Ctrl-C\n"
        "stops waiting, and running the same command again goes on where it stopped); then\n"
        "the encrypted vault is uploaded and a recovery key is printed, once: write it on\n"
        "paper. From then on every change syncs by itself.\n\n" + NOBODY_ELSE + "\n\n" + STDIN,
        c.cmd_register,
    )
    _server_email(p)
    p.add_argument("--code", help="the code from the mail (skips waiting for the link)")
    p.add_argument(
        "--wait",
        type=float,
        default=15,
        metavar="MINUTES",
        help="how long to wait for the link to be opened (default 15)",
    )
    p.add_argument("--resend", action="store_true", help="mail a new link and code")
    p.add_argument(
        "--weak-password-ok",
        action="store_true",
        help="use the account password even if zxcvbn rates it too easy to guess",
    )
    _json(p, "the result and the recovery key")
    _stdin(p)

    p = _sub(
        subparsers,
        "login",
        "join an existing sync account from this computer (its entries appear here)",
        "  twostep-auth login --server https://2fa.example.com --email ann@example.com\n\n"
        "Asks for the account password. Without a vault here, one is created with the account\n"
        "password as its password (change it with `twostep-auth passwd`). With a vault, its\n"
        "entries are merged with the account's: nothing is lost, and an entry that is the\n"
        "same account (issuer, name and secret) is kept once.\n\n" + STDIN,
        c.cmd_login,
    )
    _server_email(p)
    _json(p, "the account, this device and the entries")
    _stdin(p)

    p = _sub(
        subparsers,
        "sync",
        "sync now: fetch other computers' changes and send this one's",
        "  twostep-auth sync\n  twostep-auth sync --json\n\n"
        "Changes sync by themselves after each command; this is for when the server could\n"
        "not be reached then (`status` says whether anything waits) or to fetch changes made\n"
        "elsewhere. Both sides' changes are merged entry by entry, nothing is overwritten.",
        c.cmd_sync,
    )
    _json(p, "what was synced")

    p = _sub(
        subparsers,
        "status",
        "show the sync server, the account, the last sync and whether changes wait to be sent",
        "  twostep-auth status\n  twostep-auth status --json",
        c.cmd_status,
    )
    _json(p, "the status")

    p = _sub(
        subparsers,
        "devices",
        "list the computers signed in to the sync account, or revoke one",
        "  twostep-auth devices\n"
        "  twostep-auth devices --revoke old-laptop     it cannot sync any more, at once\n\n"
        "After losing a computer: revoke it here, then change the account password\n"
        "(`twostep-auth account password`).",
        c.cmd_devices,
    )
    p.add_argument("--revoke", metavar="NAME", help="revoke the device with this name (or id)")
    _json(p, "the devices")

    p = _sub(
        subparsers,
        "account",
        "the sync account: change its password, or delete it from the server",
        "  twostep-auth account password     new account password (the server's copy is\n"
        "                                    re-wrapped; other computers keep working)\n"
        "  twostep-auth account delete       delete every byte the server holds (asks first)\n\n"
        + NOBODY_ELSE,
        c.cmd_account,
    )
    p.add_argument("action", choices=["password", "delete"], help="what to do")
    p.add_argument("--yes", "-y", action="store_true", help="delete: do not ask")
    p.add_argument(
        "--weak-password-ok",
        action="store_true",
        help="password: use the new password even if zxcvbn rates it too easy to guess",
    )
    _stdin(p, "the account password (for `password`: the current one, then the new one)")

    p = _sub(
        subparsers,
        "recover",
        "forgot the account password: set a new one with the recovery key",
        "  twostep-auth recover --server https://2fa.example.com --email ann@example.com\n\n"
        "Asks for the recovery key printed at registration (any case; spaces and dashes do not\n"
        "matter), then for a new account password; this computer is signed in and its vault\n"
        "merged with the account's. "
        + STDIN.replace(
            "then the account's", "then the recovery key, then the new account password"
        ),
        c.cmd_recover,
    )
    _server_email(p)
    _json(p, "the account, this device and the entries")
    p.add_argument(
        "--weak-password-ok",
        action="store_true",
        help="use the new password even if zxcvbn rates it too easy to guess",
    )
    _stdin(p, "the recovery key, then the new account password")
