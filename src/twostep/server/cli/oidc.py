"""``twostep oidc keys`` and ``twostep oidc rotate-key``: the OpenID Connect provider's signing
keys (docs/oidc-design.md)."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from typing import Any

from .common import CommandError

OIDC_EXAMPLES = """\
examples:
  twostep oidc keys                     the signing keys: next, signing, retired
  twostep oidc keys --json
  twostep oidc rotate-key               a new key per algorithm, published now, signing in
                                        15 minutes (when relying parties have fetched it)
  twostep oidc rotate-key --activate-in 3600

A key that stops signing stays published until the ID tokens it signed have expired (1 hour).
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    raw = argparse.RawDescriptionHelpFormatter
    oidc = subparsers.add_parser(
        "oidc",
        help="the OpenID Connect provider's signing keys",
        description="The keys that sign ID tokens (RS256 and ES256), published at /oidc/jwks. "
        "Private keys are stored encrypted with TWOSTEP_SECRET_KEYS.",
        epilog=OIDC_EXAMPLES,
        formatter_class=raw,
    )
    oidc.set_defaults(handler=lambda args: (oidc.print_help(), 2)[1])
    actions = oidc.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("keys", help="list the signing keys and their state")
    show.add_argument("--json", action="store_true", help="print a JSON list for scripts")
    show.set_defaults(handler=oidc_keys)
    rotate = actions.add_parser(
        "rotate-key",
        help="make new signing keys (published now, signing later)",
        epilog=OIDC_EXAMPLES,
        formatter_class=raw,
    )
    rotate.add_argument(
        "--activate-in",
        type=int,
        default=None,
        metavar="SECONDS",
        help="seconds until the new keys sign (default 900: the JWKS cache lifetime; 0 signs "
        "at once, for relying parties that refetch the JWKS on an unknown kid)",
    )
    rotate.add_argument("--json", action="store_true", help="print the new keys as JSON")
    rotate.set_defaults(handler=oidc_rotate_key)


def _print(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        print(
            f"{row['algorithm']}  {row['kid']}  {row['state']:<8}  signs from "
            f"{row['activates_at']}" + (f"  until {row['retires_at']}" if row["retires_at"] else "")
        )


def oidc_keys(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..oidc.keys import key_report

    rows = key_report(clock=get_clock())
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print("No signing keys yet: the first ones are made when the provider first needs them.")
    else:
        _print(rows)
    return 0


def oidc_rotate_key(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..oidc.keys import JWKS_MAX_AGE, key_report, rotate_key

    if args.activate_in is not None and args.activate_in < 0:
        raise CommandError("--activate-in is a number of seconds, 0 or more.")
    delay = JWKS_MAX_AGE if args.activate_in is None else timedelta(seconds=args.activate_in)
    clock = get_clock()
    made = {row.kid for row in rotate_key(clock=clock, activate_in=delay)}
    rows = [row for row in key_report(clock=clock) if row["kid"] in made]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        _print(rows)
        print("The old keys stop signing when these start, and stay published for 1 hour more.")
    return 0
