"""Handlers of the sync commands (arguments in :mod:`twostep.authenticator.sync_cli`).

They ask the questions and print; :mod:`twostep.authenticator.sync.account` and
:mod:`~twostep.authenticator.sync.engine` do the work.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
from typing import Any

from twostep.authenticator import opening
from twostep.authenticator.errors import SyncError, UsageError
from twostep.authenticator.sync_cli import NOBODY_ELSE
from twostep.authenticator.unlocked_vault import Authenticator

__all__ = [
    "cmd_account",
    "cmd_devices",
    "cmd_login",
    "cmd_recover",
    "cmd_register",
    "cmd_status",
    "cmd_sync",
]


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _open(args: argparse.Namespace) -> Authenticator:
    auth = opening.open_vault(password_stdin=bool(getattr(args, "password_stdin", False)))
    auth.auto_sync = False
    return auth


def _password(args: argparse.Namespace, prompt: str, *, new: bool = False) -> str:
    password = opening.read_password(
        prompt,
        stdin=bool(args.password_stdin),
        confirm=new and not args.password_stdin,
        what="the account password",
    )
    if new:
        from twostep.authenticator.passwords import check_new_password

        warning = check_new_password(password, weak_ok=args.weak_password_ok)
        if warning:
            _err(f"twostep-auth: {warning}")
    return password


def _device_name(args: argparse.Namespace) -> str:
    return (args.device_name or socket.gethostname() or "computer")[:64]


def _when(value: float | None) -> str:
    if not value:
        return "never"
    ago = max(0, int(time.time() - value))
    span = f"{ago} s" if ago < 120 else f"{ago // 60} min" if ago < 7200 else f"{ago // 3600} h"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(value)) + f" ({span} ago)"


# -- register -------------------------------------------------------------------------------------
def _spinner(tick: int) -> str:
    return "|/-\\"[tick % 4]


def _wait_for_confirmation(auth: Authenticator, email: str, minutes: float) -> None:
    """Poll the server until the link is opened; on a terminal a pasted code also works."""
    import select

    from twostep.authenticator.sync import account

    interactive = sys.stdin.isatty()
    show = sys.stderr.isatty()
    _err(
        f"Waiting for the link in the mail to {email} to be opened"
        + (" (or paste the code from the mail and press Enter)" if interactive else "")
        + "; Ctrl-C stops waiting."
    )
    deadline = time.monotonic() + minutes * 60
    tick = 0
    while not account.is_verified(auth.vault):
        if time.monotonic() > deadline:
            raise SyncError(
                f"the address was not confirmed within {minutes:g} min; run the same "
                "command again to go on waiting (the link works for an hour), with "
                "--code CODE, or with --resend for a new mail"
            )
        if show:
            sys.stderr.write(f"\r{_spinner(tick)} waiting for the confirmation... ")
            sys.stderr.flush()
        tick += 1
        if interactive and select.select([sys.stdin], [], [], 1.0)[0]:
            code = sys.stdin.readline().strip()
            if code:
                try:
                    account.verify_code(auth.vault, code)
                except SyncError as exc:
                    _err(f"\ntwostep-auth: {exc}")
        elif not interactive:
            time.sleep(1.0)
    if show:
        sys.stderr.write("\r" + " " * 40 + "\r")
    _err(f"{email} is confirmed.")


def _recovery_block(key: str) -> str:
    groups = key.split("-")
    lines = ["-".join(groups[i : i + 4]) for i in range(0, len(groups), 4)]
    return "\n".join(
        [
            "",
            "Your RECOVERY KEY (shown this once: write it on paper, keep it somewhere safe):",
            "",
            *(f"    {line}" for line in lines),
            "",
            "If you forget the account password, `twostep-auth recover` sets a new one with it.",
            "Without the account password or this key, nobody can read the backup: not you,",
            "not the server's owner.",
        ]
    )


def cmd_register(args: argparse.Namespace) -> int:
    from twostep.authenticator.sync import account
    from twostep.authenticator.sync.state import read_state

    server = account.check_server(args.server)
    email = args.email.strip()
    auth = _open(args)
    state = read_state(auth.vault.read_payload())
    if state is not None and (state.server, state.email) == (server, email):
        if state.verified and state.recovery_key is None:
            _out(f"This vault is already registered as {email} at {server}; see `status`.")
            return 0
        _err(f"Going on with the registration of {email} at {server}.")
        if args.resend:
            expires = account.resend(auth.vault)
            _err(f"A new mail was sent (the link and code work until {expires}).")
    else:
        _err(f"Registering {email} at {server}.\n\n{NOBODY_ELSE}\n")
        password = _password(args, "Choose an account password: ", new=True)
        reg = account.register(
            auth.vault,
            server=server,
            email=email,
            password=password,
            device_name=_device_name(args),
        )
        _err(f"A mail with a link and a code was sent to {email} (valid until {reg.expires_at}).")
    try:
        if args.code:
            account.verify_code(auth.vault, args.code)
        elif not account.is_verified(auth.vault):
            _wait_for_confirmation(auth, email, args.wait)
    except KeyboardInterrupt:
        _err(
            "\nStopped waiting. The account waits for its confirmation: run the same command "
            "again (or with --code CODE from the mail) to finish."
        )
        raise
    result, recovery = account.finish_registration(auth.vault)
    if args.json:
        _out(
            json.dumps(
                {
                    "server": server,
                    "email": email,
                    "version": result.version,
                    "recovery_key": recovery,
                }
            )
        )
        return 0
    _out(
        f"Registered {email} at {server}; the encrypted vault is uploaded (version "
        f"{result.version}). Changes now sync by themselves."
    )
    if recovery:
        _out(_recovery_block(recovery))
    return 0


# -- login / recover ------------------------------------------------------------------------------
def _join(args: argparse.Namespace, get_state: Any, password_for_new_vault: Any) -> int:
    """Sign in (``get_state()``), then attach the vault here (created if there is none)."""
    from twostep.authenticator.sync import account

    location = opening.vault_location()
    auth = _open(args) if location.exists() else None
    state = get_state()
    created = auth is None
    if auth is None:
        auth = opening.create_vault(password_for_new_vault())
        auth.auto_sync = False
        _err(
            f"Created a vault at {location}, with the account password as its password "
            "(change it with `twostep-auth passwd`)."
        )
    result = account.join(auth.vault, state)
    count = len(auth.entries())
    if getattr(args, "json", False):
        _out(
            json.dumps(
                {
                    "server": state.server,
                    "email": state.email,
                    "device": state.device_name,
                    "entries": count,
                    "version": result.version,
                    "vault_created": created,
                }
            )
        )
        return 0
    _out(
        f"Signed in as {state.email} at {state.server} ({state.device_name}); {count} "
        f"entr{'y' if count == 1 else 'ies'} here, in sync (version {result.version})."
    )
    return 0


def cmd_login(args: argparse.Namespace) -> int:
    from twostep.authenticator.sync import account

    server = account.check_server(args.server)
    password: list[str] = []

    def get_state() -> Any:
        password.append(_password(args, "Account password: "))
        return account.login(
            server=server,
            email=args.email.strip(),
            password=password[0],
            device_name=_device_name(args),
        )

    return _join(args, get_state, lambda: password[0])


def cmd_recover(args: argparse.Namespace) -> int:
    from twostep.authenticator.sync import account

    server = account.check_server(args.server)
    new: list[str] = []

    def get_state() -> Any:
        key = opening.read_password(
            "Recovery key: ", stdin=bool(args.password_stdin), what="the recovery key"
        )
        new.append(_password(args, "New account password: ", new=True))
        return account.recover(
            server=server,
            email=args.email.strip(),
            recovery_key=key,
            new_password=new[0],
            device_name=_device_name(args),
        )

    code = _join(args, get_state, lambda: new[0])
    if not args.json:  # (the JSON of the sign-in says it all: recover changes the password)
        _out("The account password is changed; the recovery key stays the same.")
    return code


# -- sync / status / devices / account ------------------------------------------------------------
def cmd_sync(args: argparse.Namespace) -> int:
    from twostep.authenticator.sync import engine

    result = engine.sync(_open(args).vault)
    if args.json:
        _out(
            json.dumps(
                {
                    "version": result.version,
                    "uploaded": result.uploaded,
                    "received": result.received,
                    "removed": result.removed,
                }
            )
        )
        return 0
    if result.rollback:
        _err(
            "twostep-auth: warning: the server's copy is older than one this computer saw "
            "(restored from a backup?); nothing was lost here, and this copy was sent."
        )
    got = f"{result.received} entr{'y' if result.received == 1 else 'ies'} added or changed"
    _out(
        f"In sync (version {result.version}): {got} here, {result.removed} removed here; "
        + ("this computer's changes sent." if result.uploaded else "nothing to send.")
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from twostep.authenticator.sync import account

    info = account.status(_open(args).vault)
    if args.json:
        _out(json.dumps(info))
        return 0
    if not info["registered"]:
        _out("Sync: not registered (`twostep-auth register --server URL --email ADDRESS`).")
        return 0
    waiting = "changes not sent yet" if info["pending"] else "nothing"
    if info["pending"] and info["offline_since"]:
        waiting += f" (the server could not be reached at {_when(info['offline_since'])})"
    confirmed = "confirmed" if info["verified"] else "NOT confirmed yet: open the mail's link"
    for key, value in (
        ("Server", info["server"]),
        ("Account", f"{info['email']} ({confirmed})"),
        ("Device", info["device"]),
        ("Last sync", _when(info["last_sync"])),
        ("Waiting", waiting),
    ):
        _out(f"{key + ':':<11}{value}")
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from twostep.authenticator.sync import account

    auth = _open(args)
    if args.revoke:
        device = account.revoke_device(auth.vault, args.revoke)
        _out(f"Revoked {device.get('name')}: it cannot sync any more.")
        return 0
    listed = account.devices(auth.vault)
    if args.json:
        _out(json.dumps(listed))
        return 0
    rows = [["NAME", "ID", "ADDED", "LAST SEEN", ""]] + [
        [
            str(d.get("name")),
            str(d.get("id")),
            str(d.get("created_at") or "-")[:16].replace("T", " "),
            str(d.get("last_seen_at") or "-")[:16].replace("T", " "),
            "(this computer)" if d.get("current") else "",
        ]
        for d in listed
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        _out("  ".join(f"{c:<{w}}" for c, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_account(args: argparse.Namespace) -> int:
    from twostep.authenticator.sync import account
    from twostep.authenticator.sync.state import require_state

    auth = _open(args)
    state = require_state(auth.vault.read_payload())
    if args.action == "password":
        current = _password(args, "Current account password: ")
        new = _password(args, "New account password: ", new=True)
        account.change_password(auth.vault, current, new)
        _out(
            "The account password is changed (the server's copy of the vault key is re-wrapped;"
            " other computers keep syncing)."
        )
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("pass --yes to delete the account (no terminal to ask on)")
        _err(
            f"This deletes the account {state.email} and every byte {state.server} holds for "
            "it: the backup, the devices. The vault on this computer stays."
        )
        if input(f"Type {state.email} to confirm: ").strip() != state.email:
            _err("twostep-auth: nothing deleted")
            return 1
    account.delete_account(auth.vault, _password(args, "Account password: "))
    _out(
        f"Deleted the account {state.email} from {state.server}. The vault here is unchanged "
        "and no longer syncs."
    )
    return 0
