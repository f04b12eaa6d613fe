"""``twostep apikeys``: create, list and revoke API keys from the command line.

:func:`register` is called by :mod:`twostep.server.cli` with the argparse subparsers object;
handlers run after Django is set up and return the exit code (errors of the services become
one-line messages and exit code 1 there).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

EPILOG = """\
examples:
  twostep apikeys create --scope verify --name "billing app"
  twostep apikeys create --scope verify --name shop --application Shop --issuer Shop \
      --allow-create-users --quiet > shop.key
  twostep apikeys create --scope verify --name intranet --may-enrol-any-user
  twostep apikeys create --scope admin --name provisioning --created-by alice
  twostep apikeys list
  twostep apikeys revoke 3

Scopes: verify keys are for applications that use twostep as their second factor (enrol,
verify, status); admin keys administer users, roles, groups, policy and the audit log. The key
is printed once and only its SHA-256 hash is stored: keep it in the application's secret store.
Send it as "Authorization: Bearer <key>" (see /api/v1/docs).

A verify key belongs to an application (--application, "Default" if not given): the users it
creates are that application's, with external ids of its own, and it enrols and reads only
them. --may-enrol-any-user lets it enrol anyone, people who sign in with a password included:
grant it only to an application that has authenticated the user itself.
"""


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def cmd_create(args: argparse.Namespace) -> int:
    from ..accounts.services import find_user
    from ..applications.keys import create_api_key
    from ..clock import get_clock

    actor = None
    if args.created_by:
        actor = find_user(args.created_by)
        if actor is None or not actor.role.is_admin:
            print(f"twostep: {args.created_by!r} is not an administrator", file=sys.stderr)
            return 1
    key, text = create_api_key(
        name=args.name,
        scope=args.scope,
        allow_create_users=args.allow_create_users,
        application=args.application,
        issuer=args.issuer,
        may_enrol_any_user=args.may_enrol_any_user,
        actor=actor,
        clock=get_clock(),
    )
    if args.quiet:
        print(text)
        return 0
    extra = f", application {key.application.name}" if key.application else ""
    extra += ", may create users" if key.allow_create_users else ""
    extra += ", may enrol any user" if key.may_enrol_any_user else ""
    print(f'Created API key {key.pk} "{key.name}" (scope {key.scope}{extra}).')
    print("This is the only time the key is shown; store it in the application's secret store:")
    print()
    print(f"    {text}")
    print()
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from ..applications.keys import list_api_keys

    keys = list(list_api_keys(include_revoked=not args.active))
    if not keys:
        print("No API keys." if not args.active else "No active API keys.")
        return 0
    rows = [("ID", "NAME", "SCOPE", "APPLICATION", "PREFIX", "CREATED", "LAST USED", "STATUS")]
    for key in keys:
        status = f"revoked {_when(key.revoked_at)}" if key.revoked_at else "active"
        if key.allow_create_users and not key.revoked_at:
            status += ", creates users"
        if key.may_enrol_any_user and not key.revoked_at:
            status += ", enrols any user"
        rows.append(
            (
                str(key.pk),
                key.name,
                key.scope,
                key.application.name if key.application else "-",
                key.display_prefix,
                _when(key.created_at),
                _when(key.last_used_at),
                status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from ..applications.keys import get_api_key, revoke_api_key
    from ..clock import get_clock

    key = get_api_key(args.id)
    if key is None:
        print(
            f"twostep: there is no API key with id {args.id} (see `twostep apikeys list`)",
            file=sys.stderr,
        )
        return 1
    if revoke_api_key(key, clock=get_clock()):
        print(f'Revoked API key {key.pk} "{key.name}": it stops working at once.')
    else:
        print(f'API key {key.pk} "{key.name}" was already revoked ({_when(key.revoked_at)}).')
    return 0


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``twostep apikeys``."""
    keys = subparsers.add_parser(
        "apikeys",
        help="create, list and revoke API keys",
        description="Manage the API keys of the REST API (/api/v1/).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = keys.add_subparsers(dest="apikeys_command", metavar="ACTION")
    keys.set_defaults(handler=lambda args: (keys.print_help(), 2)[1], no_django=True)

    create = sub.add_parser(
        "create",
        help="create a key and print it (once)",
        description="Create an API key. It is printed once; only its hash is stored.",
    )
    create.add_argument("--name", required=True, help="what the key is for, e.g. the app name")
    create.add_argument(
        "--scope",
        required=True,
        choices=["verify", "admin"],
        help="verify: enrol users, verify codes, read status; admin: administration",
    )
    create.add_argument(
        "--allow-create-users",
        action="store_true",
        help="verify keys only: may create users that exist only for this application",
    )
    create.add_argument(
        "--application",
        metavar="NAME",
        help="verify keys only: the application the key belongs to (made when new; default "
        '"Default"); its users and their external ids are its own',
    )
    create.add_argument(
        "--issuer",
        help="verify keys only: the name the application's users see in their authenticator "
        "app (sets it for the application; default: the organisation's name)",
    )
    create.add_argument(
        "--may-enrol-any-user",
        action="store_true",
        help="verify keys only: may enrol and read any user, people who sign in with a "
        "password included (off: only the application's own users)",
    )
    create.add_argument(
        "--created-by",
        metavar="USERNAME",
        help="the administrator answerable for the key (recorded as the actor of its changes)",
    )
    create.add_argument("--quiet", action="store_true", help="print only the key")
    create.set_defaults(handler=cmd_create, no_django=False)

    listing = sub.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--active", action="store_true", help="only keys not revoked")
    listing.set_defaults(handler=cmd_list, no_django=False)

    revoke = sub.add_parser("revoke", help="revoke a key: it stops working at once")
    revoke.add_argument("id", type=int, help="the key's ID from `twostep apikeys list`")
    revoke.set_defaults(handler=cmd_revoke, no_django=False)
