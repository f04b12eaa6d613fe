"""``twostep createuser``, ``twostep setup-link`` and ``twostep rotate-keys``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from .common import CommandError


def _read_password(args: argparse.Namespace) -> str | None:
    if args.no_password:
        return None
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password again: ")
    if first != second:
        raise CommandError("the two passwords are not the same")
    return first


def setup_path(token: str) -> str:
    return f"welcome/?token={token}"


def public_url() -> str | None:
    """``TWOSTEP_BASE_URL`` with a trailing slash, if it was set (settings has a default)."""
    from django.conf import settings

    return settings.TWOSTEP_BASE_URL + "/" if os.environ.get("TWOSTEP_BASE_URL") else None


def cmd_setup_link(args: argparse.Namespace) -> int:
    from ..accounts.owner import new_setup_token

    token, _ = new_setup_token()  # OwnerExistsError once there is an account
    base = public_url() or f"http://127.0.0.1:{args.port}/"
    print(f"Open {base}{setup_path(token)} to create the owner account.")
    print("The link works once; links printed before no longer work.")
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    from ..accounts.models import OWNER
    from ..accounts.owner import create_owner, needs_owner
    from ..accounts.services import create_user
    from ..clock import get_clock

    password = _read_password(args)
    clock = get_clock()
    if args.role == OWNER and needs_owner():
        if password is None:
            raise CommandError("the owner needs a password")
        user = create_owner(
            username=args.username,
            email=args.email or "",
            password=password,
            display_name=args.name or "",
            setup_token=None,  # the command line runs on the server: no setup link needed
            clock=clock,
        )
    else:
        user = create_user(
            username=args.username,
            email=args.email,
            password=password,
            display_name=args.name or "",
            role=args.role,
            clock=clock,
        )
    print(
        f"Created {user.role.name.lower()} {user.username}"
        + (f" <{user.email}>" if user.email else "")
    )
    return 0


# -- rotate-keys ---------------------------------------------------------------------------------


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..mfa.keys import keyring, rotate_keys
    from ..oidc.keys import reseal_keys
    from ..webhooks.subscriptions import rotate_secrets

    report = rotate_keys(clock=get_clock())
    webhooks, unreadable = rotate_secrets()
    report.unreadable.extend(unreadable)
    print(
        f"Re-encrypted {report.devices} device secret(s), {report.pending} pending setup(s) "
        f"and {webhooks} webhook secret(s) under key {keyring().current_key_id}; "
        f"{report.already_current} already used it."
    )
    signing, unreadable = reseal_keys()
    print(f"Re-encrypted {signing} OpenID Connect signing key(s).")
    report.unreadable.extend(unreadable)
    if report.unreadable:
        print(
            "problem: these could not be decrypted with any configured key (add the key they "
            "were made with to TWOSTEP_SECRET_KEYS and run again):"
        )
        for item in report.unreadable:
            print(f"  {item}")
        return 1
    return 0
