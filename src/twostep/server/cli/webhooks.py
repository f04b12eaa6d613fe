"""``twostep webhooks``: send the webhook deliveries that are due, list subscriptions.

``twostep serve`` sends deliveries itself (a background thread in each worker); ``deliver``
is for operators (a run after an outage, a separate delivery process) and tests.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

EPILOG = """\
examples:
  twostep webhooks deliver --once        send what is due now, then exit
  twostep webhooks deliver               keep sending (every 5 s, and retries when due)
  twostep webhooks list --json

Subscriptions are made in the console (Webhooks) or with the admin API
(POST /api/v1/admin/webhooks). Several processes may deliver at once, on one PostgreSQL
database or SQLite: each delivery is claimed by one of them (see docs/api.md, "Webhooks").
"""


def cmd_deliver(args: argparse.Namespace) -> int:
    from ..clock import get_clock
    from ..webhooks.delivery import DeliveryReport, deliver_due, prune
    from ..webhooks.worker import run_forever

    if not args.once:
        run_forever(poll_seconds=args.poll)
        return 0
    total = DeliveryReport()
    while True:
        report = deliver_due(clock=get_clock())
        if not report.found:
            break
        total.delivered += report.delivered
        total.retrying += report.retrying
        total.failed += report.failed
    prune(clock=get_clock())
    summary = {"delivered": total.delivered, "retrying": total.retrying, "failed": total.failed}
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{total.delivered} delivered, {total.retrying} to retry later, {total.failed} given up"
        )
    return 0


def _row(sub: Any) -> dict[str, Any]:
    return {
        "id": sub.pk,
        "application": sub.application.name,
        "url": sub.url,
        "events": sub.events,
        "organisation_users": sub.organisation_users,
    }


def cmd_list(args: argparse.Namespace) -> int:
    from ..webhooks.subscriptions import list_subscriptions

    rows = [_row(sub) for sub in list_subscriptions()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No webhook subscriptions.")
    for row in rows:
        print(f"{row['id']:>4}  {row['application']}  {row['url']}  {','.join(row['events'])}")
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0.1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0.1 to 3600)")
    return value


def register(sub: Any) -> None:
    hooks = sub.add_parser(
        "webhooks",
        help="send due webhook deliveries, list subscriptions",
        description="Send the webhook deliveries that are due, list the subscriptions.\n"
        "`twostep serve` sends deliveries itself (a background thread in each worker);\n"
        "`deliver` is for operators (a run after an outage, a separate delivery process).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = hooks.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    deliver = actions.add_parser(
        "deliver",
        help="send the deliveries that are due (retries included)",
        description="Send the webhook deliveries that are due. Without --once, keep running "
        "and look again every --poll seconds.",
    )
    deliver.add_argument("--once", action="store_true", help="send what is due now, then exit")
    deliver.add_argument("--json", action="store_true", help="print the summary as JSON")
    deliver.add_argument(
        "--poll",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="seconds between looks (default 5)",
    )
    deliver.set_defaults(handler=cmd_deliver)
    listing = actions.add_parser("list", help="list the webhook subscriptions")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=cmd_list)
