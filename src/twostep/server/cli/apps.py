"""``twostep apps``: the applications that sign their users in through twostep (OpenID Connect).

:func:`register` is called by :mod:`twostep.server.cli`; each handler calls one use case of
:mod:`twostep.server.usecases.applications` (errors become one-line messages there).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .common import CommandError

EPILOG = """\
examples:
  twostep apps create Grafana --redirect-uri https://grafana.example.com/login/generic_oauth \\
      --groups Ops --require-2fa --launch-url https://grafana.example.com/ --json
  twostep apps create Intranet --redirect-uri https://intranet.example.com/protected/redirect_uri \\
      --post-logout-uri https://intranet.example.com/loggedout.html
  twostep apps create "CLI tool" --public --redirect-uri http://127.0.0.1:8765/callback
  twostep apps list
  twostep apps show Grafana --json
  twostep apps update Grafana --roles admin owner --groups Ops
  twostep apps update Grafana --all-users
  twostep apps rotate-secret Grafana --json
  twostep apps delete Grafana --yes

Each application gets an OpenID Connect client: its client id, and (unless --public) a client
secret printed ONCE (only its SHA-256 digest is stored): put both into the application's
settings, with the issuer TWOSTEP_BASE_URL (discovery at /.well-known/openid-configuration).
Redirect URIs are matched exactly: https://, or http:// on 127.0.0.1, ::1 or localhost.

Who may use it: all users (the default), or members of --groups and holders of --roles (names;
role keys such as admin). --require-2fa asks everyone for a code at sign-in, whatever the
organisation's policy says. --launch-url puts it on the users' "My applications" page.
See docs/oidc.md for Apache, Grafana and Nextcloud.
"""


def _find(ref: str) -> Any:
    from ..usecases.applications import find_application

    application = find_application(ref)
    if application is None:
        raise CommandError(f"there is no application {ref!r} (see `twostep apps list`)")
    return application


def _data(args: argparse.Namespace) -> dict[str, Any]:
    data: dict[str, Any] = {
        "redirect_uris": args.redirect_uri,
        "post_logout_redirect_uris": args.post_logout_uri,
        "groups": args.groups,
        "roles": args.roles,
        "launch_url": args.launch_url,
        "icon_url": args.icon_url,
        "description": args.description,
    }
    if args.require_2fa is not None:
        data["require_second_factor"] = args.require_2fa
    if getattr(args, "all_users", False):
        data["access"] = "all"
    if args.first_party is not None:
        data["first_party"] = args.first_party
    return {key: value for key, value in data.items() if value is not None}


def _print_facts(facts: dict[str, Any]) -> None:
    who = (
        "all users"
        if facts["access"] == "all"
        else "groups: "
        + (", ".join(facts["groups"]) or "none")
        + "; roles: "
        + (", ".join(facts["roles"]) or "none")
    )
    rows = [
        ("Application", f"{facts['name']} (id {facts['id']})"),
        ("Client id", facts["client_id"] or "- (no OpenID Connect client)"),
        ("Client type", "public (PKCE)" if facts["public"] else "confidential (secret)"),
        ("First-party", "yes (no consent page)" if facts["first_party"] else "no"),
        ("Redirect URIs", " ".join(facts["redirect_uris"]) or "-"),
        ("Logout URIs", " ".join(facts["post_logout_redirect_uris"]) or "-"),
        ("Who may use it", who),
        ("Requires 2FA", "yes, always" if facts["require_second_factor"] else "as the policy says"),
        ("Launch URL", facts["launch_url"] or "- (not on the users' portal)"),
        ("Icon", facts["icon_url"] or "-"),
        ("Description", facts["description"] or "-"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")


def cmd_create(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..usecases.applications import create_application, facts

    data = _data(args) | {"name": args.name, "public": args.public}
    created = create_application(data, actor=None, clock=get_clock())
    if args.json:
        print(json.dumps({"client_id": created.client_id, "client_secret": created.client_secret}))
        return 0
    print(f"Created application {created.application.name!r}.")
    _print_facts(facts(created.application))
    if created.client_secret:
        print()
        print("Client secret (shown only now; store it in the application's settings):")
        print()
        print(f"    {created.client_secret}")
        print()
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from ..usecases.applications import facts, list_applications

    found = [facts(application) for application in list_applications()]
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    if not found:
        print("No applications. Add one: twostep apps create NAME --redirect-uri URI")
        return 0
    rows = [("ID", "NAME", "CLIENT ID", "WHO", "2FA", "LAUNCH URL")]
    for item in found:
        who = "all" if item["access"] == "all" else "chosen"
        rows.append(
            (
                str(item["id"]),
                item["name"],
                item["client_id"] or "-",
                who,
                "always" if item["require_second_factor"] else "policy",
                item["launch_url"] or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from ..usecases.applications import facts, grants_for

    application = _find(args.application)
    found = facts(application)
    connected = grants_for(application)
    if args.json:
        found["grants"] = [
            {"username": g.user.username, "scopes": list(g.scopes)} for g in connected
        ]
        print(json.dumps(found, indent=2))
        return 0
    _print_facts(found)
    names = ", ".join(g.user.username for g in connected) or "none"
    print(f"{'Connected users'.ljust(14)}  {names}")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..usecases.applications import facts, update_application

    application = _find(args.application)
    data = _data(args)
    if args.rename:
        data["name"] = args.rename
    if not data:
        raise CommandError("nothing to change: give at least one option (see --help)")
    updated = update_application(application, data, actor=None, clock=get_clock())
    print(f"Updated application {updated.name!r}.")
    _print_facts(facts(updated))
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..usecases.applications import rotate_secret

    application = _find(args.application)
    secret = rotate_secret(application, actor=None, clock=get_clock())
    client_id = application.oidc_client.client_id
    if args.json:
        print(json.dumps({"client_id": client_id, "client_secret": secret}))
        return 0
    print(f"New client secret of {application.name!r} (the old one no longer works):")
    print()
    print(f"    {secret}")
    print()
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..usecases.applications import delete_application

    application = _find(args.application)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError("add --yes to delete without asking")
        answer = input(f"Delete {application.name!r}, its client and every grant? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return 1
    name = application.name
    delete_application(application, actor=None, clock=get_clock())
    print(f"Deleted application {name!r}: its client id, secret and tokens no longer work.")
    return 0


def _rule_options(parser: argparse.ArgumentParser, *, creating: bool) -> None:
    parser.add_argument(
        "--redirect-uri",
        nargs="+",
        metavar="URI",
        required=creating,
        help="where the application receives the code (matched exactly; several allowed)"
        + ("" if creating else "; replaces the list"),
    )
    parser.add_argument(
        "--post-logout-uri",
        nargs="+",
        metavar="URI",
        help="where sign-out may return to (RP-initiated logout)",
    )
    parser.add_argument(
        "--groups", nargs="+", metavar="G", help="only members of these groups (and --roles)"
    )
    parser.add_argument(
        "--roles", nargs="+", metavar="R", help="only holders of these roles (and --groups)"
    )
    parser.add_argument(
        "--require-2fa",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a code at every sign-in, whatever the organisation's policy says",
    )
    parser.add_argument(
        "--first-party",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="trusted by the organisation: users are not asked for consent",
    )
    parser.add_argument("--launch-url", metavar="URL", help="the link on the users' portal")
    parser.add_argument("--icon-url", metavar="URL", help="an https:// image for the portal")
    parser.add_argument("--description", help="one line shown under its name on the portal")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``twostep apps``."""
    apps = subparsers.add_parser(
        "apps",
        help="applications that sign their users in through twostep (OpenID Connect)",
        description="Manage the applications (Grafana, Nextcloud, an intranet behind Apache...) "
        "that send their users to twostep to sign in with password and code.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = apps.add_subparsers(dest="apps_command", metavar="ACTION")
    apps.set_defaults(handler=lambda args: (apps.print_help(), 2)[1], no_django=True)

    create = sub.add_parser(
        "create",
        help="add an application and print its client id and secret (once)",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument("name", help="the name users and administrators see")
    create.add_argument(
        "--public",
        action="store_true",
        help="a client without a secret (single-page or native app): PKCE S256 is required",
    )
    _rule_options(create, creating=True)
    create.add_argument(
        "--json", action="store_true", help='print only {"client_id": ..., "client_secret": ...}'
    )
    create.set_defaults(handler=cmd_create, no_django=False)

    listing = sub.add_parser("list", help="list the applications (never a secret)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=cmd_list, no_django=False)

    show = sub.add_parser("show", help="an application's settings and connected users")
    show.add_argument("application", help="its name, id or client id")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=cmd_show, no_django=False)

    update = sub.add_parser(
        "update",
        help="change an application's rules or client",
        description="Change only what is given. --groups/--roles replace the lists and "
        "restrict the application to them; --all-users opens it to everyone again.",
    )
    update.add_argument("application", help="its name, id or client id")
    update.add_argument("--rename", metavar="NAME", help="a new name")
    update.add_argument("--all-users", action="store_true", help="every user may use it")
    _rule_options(update, creating=False)
    update.set_defaults(handler=cmd_update, no_django=False)

    rotate = sub.add_parser(
        "rotate-secret", help="replace the client secret (the old one stops working at once)"
    )
    rotate.add_argument("application", help="its name, id or client id")
    rotate.add_argument(
        "--json", action="store_true", help='print only {"client_id": ..., "client_secret": ...}'
    )
    rotate.set_defaults(handler=cmd_rotate, no_django=False)

    delete = sub.add_parser(
        "delete", help="delete an application, its client, tokens and users' consents"
    )
    delete.add_argument("application", help="its name, id or client id")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=cmd_delete, no_django=False)
