"""``twostep org show`` and ``twostep org set-name NAME``: the organisation's name, the issuer
that authenticator apps show beside each account (as on the console's Security page)."""

from __future__ import annotations

import argparse
import json
from typing import Any

ORG_EXAMPLES = """\
examples:
  twostep org show
  twostep org show --json
  twostep org set-name "Example Ltd"   new QR codes then read "Example Ltd: name@example.com"
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    raw = argparse.RawDescriptionHelpFormatter
    org = subparsers.add_parser(
        "org",
        help="show or set the organisation's name (the issuer in authenticator apps)",
        description="The organisation's name is the issuer in every QR code and otpauth:// URI "
        "(authenticator apps show it beside the account), in page titles and in mail. Accounts "
        "already added to an app keep the name they were added with.",
        epilog=ORG_EXAMPLES,
        formatter_class=raw,
    )
    org.set_defaults(handler=lambda args: (org.print_help(), 2)[1])
    actions = org.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", help="the organisation's name")
    show.add_argument("--json", action="store_true", help='print {"name": ...} for scripts')
    show.set_defaults(handler=org_show)
    rename = actions.add_parser(
        "set-name",
        help="give the organisation a name (1 to 100 characters, no colon)",
        epilog=ORG_EXAMPLES,
        formatter_class=raw,
    )
    rename.add_argument("name", metavar="NAME")
    rename.set_defaults(handler=org_set_name)


def org_show(args: argparse.Namespace) -> int:
    from ..accounts.organisation import organisation_name

    name = organisation_name()
    print(json.dumps({"name": name}) if args.json else f"Organisation: {name}")
    return 0


def org_set_name(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..usecases.organisation import rename_organisation

    name = rename_organisation(args.name, actor=None, clock=get_clock())
    print(f"The organisation is now called {name}; new QR codes show it as the issuer.")
    return 0
