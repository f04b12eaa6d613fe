"""``twostep sites``: the protected sites of forward authentication (docs/forward-auth.md):
``add``, ``list``, ``show``, ``move``, ``remove``, and ``test`` (which rule a URL hits)."""

from __future__ import annotations

import argparse
import json
from typing import Any

SITES_EXAMPLES = """\
examples:
  twostep sites add wiki.example.com --policy one_factor
  twostep sites add grafana.example.com --policy two_factor --groups ops
  twostep sites add app.example.com --path '^/admin' --policy two_factor --roles admin
  twostep sites add app.example.com --path '^/api/health$' --methods GET HEAD --policy bypass \\
      --position 1                         first, before the rules for app.example.com
  twostep sites add '*.example.com' --policy one_factor   every host under example.com
  twostep sites list --json
  twostep sites test https://app.example.com/admin/users --user maria
  twostep sites move 4 1                   rule 4 (its id) becomes the first
  twostep sites remove 4

how rules apply:
  Rules are tried in order; the first whose domain, path and method match decides. A request
  no rule matches is refused (the default policy is deny). Policies:
    bypass      anyone passes, signed in or not
    one_factor  a signed-in user (a password is enough)
    two_factor  a user whose sign-in passed the code step (code, recovery code, or a browser
                remembered after a code, as the organisation allows)
    deny        nobody
  --groups/--roles limit a one_factor or two_factor rule to members of any of them (others
  get 403). Paths are Python regular expressions searched in the path and query string
  (anchor with ^); patterns that could backtrack without end, such as (a+)+, (foo|bar)+ or
  backreferences, are refused (docs/forward-auth.md). The session covers sibling hosts when
  TWOSTEP_COOKIE_DOMAIN is set (`twostep check` warns of rules outside it).
"""

POLICY_CHOICES = ("bypass", "one_factor", "two_factor", "deny")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    raw = argparse.RawDescriptionHelpFormatter
    sites = subparsers.add_parser(
        "sites",
        help="protected sites: who may reach which site through forward authentication",
        description="Access rules for forward authentication: nginx (auth_request), Caddy "
        "(forward_auth) and Traefik (ForwardAuth) ask twostep about every request to a "
        "protected site; these rules say who may pass.",
        epilog=SITES_EXAMPLES,
        formatter_class=raw,
    )
    sites.set_defaults(handler=lambda args: (sites.print_help(), 2)[1])
    actions = sites.add_subparsers(dest="action", metavar="ACTION")

    add = actions.add_parser(
        "add",
        help="add a rule (last, or at --position)",
        epilog=SITES_EXAMPLES,
        formatter_class=raw,
    )
    add.add_argument("domain", metavar="DOMAIN", help="app.example.com, or *.example.com")
    add.add_argument(
        "--path",
        dest="paths",
        action="append",
        default=[],
        metavar="REGEX",
        help="a regular expression searched in the path (repeat for several; none: every path)",
    )
    add.add_argument(
        "--methods",
        nargs="+",
        default=[],
        metavar="METHOD",
        help="GET POST ... (none: every method)",
    )
    add.add_argument("--policy", required=True, choices=POLICY_CHOICES)
    add.add_argument(
        "--groups", nargs="+", default=[], metavar="G", help="groups (by name) let through"
    )
    add.add_argument(
        "--roles", nargs="+", default=[], metavar="R", help="roles (key or name) let through"
    )
    add.add_argument("--position", type=int, metavar="N", help="1 for first (default: last)")
    add.add_argument("--json", action="store_true", help="print the new rule as JSON")
    add.set_defaults(handler=sites_add)

    listing = actions.add_parser("list", help="the rules, in the order they are tried")
    listing.add_argument("--json", action="store_true", help="a JSON list for scripts")
    listing.set_defaults(handler=sites_list)

    show = actions.add_parser("show", help="one rule")
    show.add_argument("id", type=int, metavar="ID", help="the rule's id (see sites list)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=sites_show)

    move = actions.add_parser("move", help="move a rule to another position")
    move.add_argument("id", type=int, metavar="ID")
    move.add_argument("position", type=int, metavar="POSITION", help="1 for first")
    move.add_argument("--json", action="store_true")
    move.set_defaults(handler=sites_move)

    remove = actions.add_parser("remove", help="remove a rule (its requests fall to the next rule)")
    remove.add_argument("id", type=int, metavar="ID")
    remove.add_argument("--json", action="store_true")
    remove.set_defaults(handler=sites_remove)

    test = actions.add_parser("test", help="which rule a URL hits, and what a user would get")
    test.add_argument("url", metavar="URL", help="e.g. https://app.example.com/admin")
    test.add_argument("--method", default="GET")
    test.add_argument("--user", metavar="NAME", help="username or email (default: anonymous)")
    test.add_argument("--json", action="store_true")
    test.set_defaults(handler=sites_test)


def _line(view: Any) -> str:
    parts = [f"#{view.number} (id {view.id})", view.domain, view.policy]
    if view.paths:
        parts.append("paths " + " ".join(view.paths))
    if view.methods:
        parts.append("methods " + ",".join(view.methods))
    if view.groups:
        parts.append("groups " + ",".join(view.groups))
    if view.roles:
        parts.append("roles " + ",".join(view.roles))
    return "  ".join(parts)


def _print(view: Any, as_json: bool, prefix: str = "") -> None:
    print(json.dumps(view.as_json()) if as_json else prefix + _line(view))


def sites_add(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..gateway.sites import add_site

    view = add_site(
        args.domain,
        policy=args.policy,
        paths=args.paths,
        methods=args.methods,
        groups=args.groups,
        roles=args.roles,
        position=args.position,
        clock=get_clock(),
    )
    _print(view, args.json, "Added ")
    return 0


def sites_list(args: argparse.Namespace) -> int:
    from ..gateway.sites import list_sites

    views = list_sites()
    if args.json:
        print(json.dumps([v.as_json() for v in views]))
        return 0
    for view in views:
        print(_line(view))
    print(("" if views else "No rules yet. ") + "Anything else: deny (the default policy).")
    return 0


def sites_show(args: argparse.Namespace) -> int:
    from ..gateway.sites import get_site

    _print(get_site(args.id), args.json)
    return 0


def sites_move(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..gateway.sites import move_site

    _print(move_site(args.id, args.position, clock=get_clock()), args.json, "Moved: ")
    return 0


def sites_remove(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..gateway.sites import remove_site

    _print(remove_site(args.id, clock=get_clock()), args.json, "Removed ")
    return 0


def sites_test(args: argparse.Namespace) -> int:
    from ..accounts.services import find_user
    from ..gateway.access import explain, parse_url
    from .common import CommandError

    target = parse_url(args.method, args.url)
    if target is None:
        raise CommandError("Give an absolute http(s) URL, e.g. https://app.example.com/path")
    user = find_user(args.user) if args.user else None
    if args.user and user is None:
        raise CommandError(f"There is no user {args.user!r}.")
    found = explain(target, user)
    cases = {
        "anonymous": found.anonymous,
        "password_only": found.one_factor,
        "two_step": found.two_factor,
    }
    if args.json:
        print(
            json.dumps(
                {
                    "rule": found.rule.id if found.rule else None,
                    "position": found.rule.number if found.rule else None,
                    **{
                        k: {"outcome": v.outcome.value, "reason": v.reason}
                        for k, v in cases.items()
                    },
                }
            )
        )
        return 0
    print(
        f"Rule #{found.rule.number} (id {found.rule.id}): {found.rule.domain} {found.rule.policy}"
        if found.rule
        else "No rule matches: the default policy (deny) applies."
    )
    who = args.user or "someone"
    for label, verdict in (
        ("not signed in", found.anonymous),
        (f"{who}, signed in with a password only", found.one_factor),
        (f"{who}, signed in with two-step verification", found.two_factor),
    ):
        print(f"  {label}: {verdict.outcome.value} ({verdict.reason})")
    return 0
