"""The subcommands of ``twostep-auth``: argument definitions and handlers.

Each handler takes the parsed arguments and returns the exit code; failures are raised as
:mod:`~twostep.authenticator.errors` classes and reported by :func:`twostep.authenticator.cli.main`.
Handlers do I/O and call :mod:`~twostep.authenticator.opening` and
:class:`~twostep.authenticator.unlocked_vault.Authenticator`; they never compute codes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from twostep.authenticator import opening
from twostep.authenticator.add_command import cmd_add
from twostep.authenticator.entry import Entry
from twostep.authenticator.errors import UsageError
from twostep.authenticator.unlocked_vault import Authenticator

__all__ = [
    "cmd_add",
    "cmd_code",
    "cmd_init",
    "cmd_list",
    "cmd_lock",
    "cmd_passwd",
    "cmd_remove",
    "cmd_rename",
    "cmd_search",
    "cmd_show",
    "cmd_unlock",
    "cmd_watch",
]


def _out(text: str = "") -> None:
    print(text)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _open(args: argparse.Namespace) -> Authenticator:
    return opening.open_vault(password_stdin=bool(getattr(args, "password_stdin", False)))


def _kind(entry: Entry) -> str:
    a = entry.account
    return a.type.value.upper()


def _public_dict(entry: Entry) -> dict[str, Any]:
    """An entry for ``--json`` output: everything but the secret and the icon bytes."""
    a = entry.account
    return {
        "id": entry.id,
        "issuer": a.issuer,
        "account": a.name,
        "type": a.type.value,
        "algorithm": a.algorithm.value,
        "digits": a.digits,
        "period": a.period if a.is_time_based else None,
        "counter": a.counter if not a.is_time_based else None,
        "note": entry.note,
        "groups": list(entry.groups),
        "favorite": entry.favorite,
        "has_icon": entry.icon is not None,
        "created_at": entry.created_at,
    }


def _table(entries: list[Entry], *, long: bool = False) -> None:
    if not entries:
        return
    head = ["ISSUER", "ACCOUNT", "TYPE"] + (["ID", "ADDED"] if long else [])
    rows = [[e.account.issuer or "-", e.account.name or "-", _kind(e)] for e in entries]
    if long:
        for row, entry in zip(rows, entries, strict=True):
            added = entry.created_at
            row += [
                entry.id[:8],
                time.strftime("%Y-%m-%d %H:%M", time.localtime(added)) if added else "-",
            ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        _out("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=True)).rstrip())


# -- init / unlock / lock / passwd ------------------------------------------------------------
def _warn_if_weak(auth: Authenticator) -> None:
    """Said on stderr whenever the password is used: a vault whose key derivation is below
    the floor (made with TWOSTEP_TEST_INSECURE_KDF=1, which only tests should set)."""
    from twostep.authenticator.vault.crypto import INSECURE_TEST_ENV

    params = auth.vault.kdf_params()
    if params.weak:
        _err(
            f"twostep-auth: warning: this vault's password is cheap to guess from the file "
            f"(Argon2id with {params.memory_kib} KiB and {params.passes} pass(es), below 64 MiB "
            f"and 3). Unset {INSECURE_TEST_ENV} if it is set and run `twostep-auth passwd` to "
            "make it strong."
        )


def _check_strength(password: str, args: argparse.Namespace) -> None:
    """Refuse a trivially guessable new password (zxcvbn) unless ``--weak-password-ok``."""
    from twostep.authenticator.passwords import check_new_password

    warning = check_new_password(password, weak_ok=args.weak_password_ok)
    if warning:
        _err(f"twostep-auth: {warning}")


def cmd_init(args: argparse.Namespace) -> int:
    location = opening.vault_location()
    if location.exists():
        from twostep.authenticator.errors import VaultExistsError

        raise VaultExistsError(f"a vault already exists at {location}")
    if not args.password_stdin:
        _err(f"Creating a new vault at {location}.")
        _err("Choose a password; it cannot be recovered if you forget it.")
    password = opening.read_password(
        "New password: ", stdin=args.password_stdin, confirm=True, what="a password"
    )
    _check_strength(password, args)
    _warn_if_weak(opening.create_vault(password))
    _out(f"Created the vault at {location}.")
    _out('Next: eval "$(twostep-auth unlock)", then twostep-auth add --screen (or --qr, --uri).')
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    import shlex

    auth = _open_with_password(args)
    _warn_if_weak(auth)
    token = opening.start_session(auth, idle=int(args.idle * 60), max_age=int(args.max_age * 3600))
    _out(f"export TWOSTEP_SESSION={shlex.quote(token)}")
    if sys.stdout.isatty():
        _err('twostep-auth: run it as  eval "$(twostep-auth unlock)"  to set it in your shell')
    return 0


def _open_with_password(args: argparse.Namespace) -> Authenticator:
    """Always the password (unlock and passwd do not accept a session)."""
    from twostep.authenticator.errors import NoVaultError, VaultLockedError
    from twostep.authenticator.vault import Vault

    location = opening.vault_location()
    if not location.exists():
        raise NoVaultError(f"no vault at {location}; create one with `twostep-auth init`")
    try:
        password = opening.read_password(
            "Password: ", stdin=args.password_stdin, what="the vault password"
        )
    except UsageError as exc:
        raise VaultLockedError(str(exc)) from None
    return Authenticator(Vault.unlock(location, password))


def cmd_lock(args: argparse.Namespace) -> int:
    count = opening.end_session(all_sessions=args.all)
    _out("unset TWOSTEP_SESSION")
    _err(f"twostep-auth: locked ({count} session{'s' if count != 1 else ''} revoked)")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    auth = _open_with_password(args)
    new = opening.read_password(
        "New password: ", stdin=args.password_stdin, confirm=True, what="the new password"
    )
    _check_strength(new, args)
    auth.change_password(new)
    _warn_if_weak(auth)
    _out("Password changed; every session was locked (unlock again).")
    if isinstance(auth.vault.read_payload().get("sync"), dict):
        _err(
            "twostep-auth: this is the vault's password; the sync account's is separate "
            "(`twostep-auth account password` changes it)"
        )
    return 0


# -- list / search / show ---------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    entries = _open(args).entries()
    if args.group:
        entries = [e for e in entries if args.group.casefold() in (g.casefold() for g in e.groups)]
    _print_entries(entries, args.json, long=args.long)
    return 0


def _print_entries(entries: list[Entry], as_json: bool, *, long: bool = False) -> None:
    if as_json:
        _out(json.dumps([_public_dict(e) for e in entries], ensure_ascii=False, indent=2))
    elif not entries:
        _err("twostep-auth: no entries")
    else:
        _table(entries, long=long)


def cmd_search(args: argparse.Namespace) -> int:
    from twostep.authenticator.errors import NotFoundError

    entries = _open(args).search(args.text)
    _print_entries(entries, args.json)
    if not entries and not args.json:
        raise NotFoundError(f"nothing matches {args.text!r}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from twostep.otp import build_uri, make_qr_text

    entry = _open(args).find(args.name)
    a = entry.account
    rows = [
        ("Issuer", a.issuer or "-"),
        ("Account", a.name or "-"),
        ("Type", a.type.value.upper()),
        ("Algorithm", a.algorithm.value),
        ("Digits", str(a.digits)),
        ("Period", f"{a.period} s") if a.is_time_based else ("Counter", str(a.counter)),
        ("Secret", a.secret.base32 if args.reveal else f"hidden ({a.secret.bits} bits; --reveal)"),
    ]
    if args.reveal:
        rows.append(("URI", build_uri(a)))
    rows += [
        ("Note", entry.note or "-"),
        ("Groups", ", ".join(entry.groups) or "-"),
        ("Favorite", "yes" if entry.favorite else "no"),
        ("Added", time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.created_at)))
        if entry.created_at
        else ("Added", "-"),
        ("Id", entry.id),
    ]
    for key, value in rows:
        _out(f"{key + ':':<11}{value}")
    if args.qr:
        _err("twostep-auth: the QR code below contains the secret; scan it with your phone")
        _out()
        _out(make_qr_text(build_uri(a)))
    return 0


# -- code ---------------------------------------------------------------------------------------
def _adhoc_code(args: argparse.Namespace) -> int:
    from twostep.otp import Account, Algorithm, OtpType, Secret, parse_uri

    if args.uri and args.secret:
        raise UsageError("give --uri or --secret, not both")
    if args.uri:
        account = parse_uri(args.uri)
    else:
        # As with oathtool, a counter means HOTP unless a type is given.
        kind = args.type or ("hotp" if args.counter is not None else "totp")
        account = Account(
            secret=Secret.from_base32(args.secret),
            type=OtpType(kind),
            algorithm=Algorithm.parse(args.algorithm),
            digits=args.digits if args.digits is not None else (5 if kind == "steam" else 6),
            period=args.period,
            counter=args.counter or 0,
        )
    at = time.time() if args.at is None else args.at
    if args.next:
        from twostep.otp import seconds_remaining

        at += seconds_remaining(at, account.period)
    _out(account.generate(at, counter=args.counter))
    return 0


def cmd_code(args: argparse.Namespace) -> int:
    if args.uri or args.secret:
        if args.name:
            raise UsageError("give NAME (a vault entry) or --uri/--secret, not both")
        if args.copy:
            raise UsageError("--copy works with vault entries only")
        return _adhoc_code(args)
    if not args.name:
        raise UsageError("which entry? give NAME (see `twostep-auth list`), or --uri/--secret")
    result = _open(args).code(args.name, at=args.at, next_code=args.next)
    label = result.entry.label or "(no name)"
    if result.remaining is None:
        left = f"counter {result.counter}; the next `code` gives the next one"
    else:
        left = f"{int(result.remaining + 0.999)} s left"
        if args.next:
            left = f"valid after the current one, for {result.entry.account.period} s"
    if args.copy:
        from twostep.authenticator.clipboard import copy_code

        copy_code(result.code, clear_after=args.clear_after)
        clears = f"clears in {args.clear_after:g} s" if args.clear_after > 0 else "not cleared"
        _err(f"{label}: copied to the clipboard ({clears}); {left}")
        return 0
    _out(result.code)
    _err(f"{label}: {left}")
    return 0


# -- rename / remove ----------------------------------------------------------------------------
def cmd_rename(args: argparse.Namespace) -> int:
    issuer, account = args.issuer, args.new_account
    if args.new:
        if issuer is not None or account is not None:
            raise UsageError("give the new name as NEW or with --issuer/--account, not both")
        if ":" in args.new:
            issuer, account = (p.strip() for p in args.new.split(":", 1))
        else:
            account = args.new.strip()
    entry = _open(args).rename(args.name, issuer=issuer, account=account)
    _out(f"Renamed to {entry.label or '(no name)'}.")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    auth = _open(args)
    entry = auth.find(args.name)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("pass --yes to remove without a question (no terminal to ask on)")
        answer = input(f"Remove {entry.label or '(no name)'}? Its codes will be gone. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            _err("twostep-auth: nothing removed")
            return 1
    auth.remove_by_id(entry.id)
    _out(f"Removed {entry.label or '(no name)'} (the previous vault is kept as *.bak).")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    auth = _open(args)
    from twostep.authenticator.tui import WatchApp

    WatchApp(auth, initial_filter=args.filter or "", clear_after=args.clear_after).run()
    return 0
