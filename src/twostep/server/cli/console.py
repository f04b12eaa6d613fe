"""``twostep users``, ``twostep policy`` and ``twostep remind``: the console's admin tasks for
scripts and cron.

They use the same services as the console pages (the policy service decides, the audit log
records, with no acting user: the command line has the database anyway). Registered by
:mod:`twostep.server.cli` through :func:`register`; each handler runs after Django is set up
and returns the exit code; a ``ServiceError`` becomes a one-line message and exit code 1.
"""

from __future__ import annotations

import argparse
from typing import Any

USERS_EXAMPLES = """\
examples:
  twostep users list --status pending         who still has to set up two-step verification
  twostep users list --group Engineering --status locked
  twostep users show maria
  twostep users require maria --days 7        JumpCloud's "Require two-step verification on
                                              sign-in" with a 7-day enrolment period
  twostep users extend maria --days 3         a locked user gets 3 more days, from now
  twostep users lift maria                    end maria's own requirement
  twostep users reset maria@example.com       lost phone: set it up again at the next sign-in
  twostep users unlock maria                  after too many wrong codes
"""

POLICY_EXAMPLES = """\
examples:
  twostep policy show
  twostep policy set --mode all --grace-days 7
  twostep policy set --mode groups --groups Engineering,Support
  twostep policy set --mode roles --roles admin,member
  twostep policy set --all-admins on
  twostep policy set --mode off
"""

REMIND_HELP = """\
Send the mails that are due about two-step verification, each once: "now required" (with the
deadline) to users a policy made it required for, a reminder one day before the deadline, and
"you cannot sign in" when a deadline passed. Safe to run as often as you like (each mail is sent
once per user and deadline); run it hourly or daily from cron:

  17 * * * *  TWOSTEP_DATA_DIR=/srv/twostep twostep remind
"""


def _handler(name: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        from . import users

        return int(getattr(users, name)(args))

    return run


def _name(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="username or email")


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("give a whole number of days from 0 to 365") from None
    if not 0 <= days <= 365:
        raise argparse.ArgumentTypeError("give a whole number of days from 0 to 365")
    return days


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``users``, ``policy`` and ``remind``."""
    raw = argparse.RawDescriptionHelpFormatter

    users = subparsers.add_parser(
        "users",
        help="list users and manage their two-step verification",
        description="Manage users' two-step verification, as on the console's user pages.",
        epilog=USERS_EXAMPLES,
        formatter_class=raw,
    )
    users.set_defaults(handler=lambda args: (users.print_help(), 2)[1])
    actions = users.add_subparsers(dest="action", metavar="ACTION")

    listing = actions.add_parser(
        "list", help="list users with their 2FA status", formatter_class=raw
    )
    listing.add_argument("--search", default="", help="part of a username, email or name")
    listing.add_argument("--role", help="role key or name (owner, admin, member, ...)")
    listing.add_argument("--group", help="group name")
    listing.add_argument(
        "--status",
        choices=["enrolled", "pending", "locked", "off", "required"],
        help="enrolled: set up; pending: required, not set up; locked: deadline passed or "
        "too many wrong codes; off: neither set up nor required; required: by any rule",
    )
    listing.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    listing.add_argument("--page", type=int, default=1, help="page number, with --limit per page")
    listing.set_defaults(handler=_handler("users_list"))

    show = actions.add_parser("show", help="a user's 2FA status and why it is required")
    _name(show)
    show.set_defaults(handler=_handler("users_show"))

    require = actions.add_parser(
        "require",
        help="require 2FA for a user, with an enrolment period",
        description="Require two-step verification on sign-in for the user. With --days N > 0 "
        "the user may postpone setup for N days; after that, sign-in is refused until an "
        "administrator extends the period, resets or lifts the requirement. The user is mailed.",
    )
    _name(require)
    require.add_argument(
        "--days", type=_days, default=7, help="enrolment period, 0 to 365 (default 7)"
    )
    require.set_defaults(handler=_handler("users_require"))

    extend = actions.add_parser(
        "extend",
        help="start a user's enrolment period again, from now (unlocks a locked user)",
    )
    _name(extend)
    extend.add_argument("--days", type=_days, required=True, help="new period, 0 to 365")
    extend.set_defaults(handler=_handler("users_extend"))

    lift = actions.add_parser("lift", help="end a user's own requirement (other rules may remain)")
    _name(lift)
    lift.set_defaults(handler=_handler("users_lift"))

    reset = actions.add_parser(
        "reset",
        help="reset a user's 2FA: they set it up again at the next sign-in",
        description="Remove the user's authenticator and recovery codes, sign them out "
        "everywhere and mail them; they set up two-step verification again at the next sign-in "
        "and their enrolment period starts again.",
    )
    _name(reset)
    reset.set_defaults(handler=_handler("users_reset"))

    unlock = actions.add_parser("unlock", help="unlock a user locked after too many wrong codes")
    _name(unlock)
    unlock.set_defaults(handler=_handler("users_unlock"))

    policy = subparsers.add_parser(
        "policy",
        help="show or set who must use 2FA (the organisation setting)",
        description='The organisation\'s "Sign in with two-step verification" setting.',
        epilog=POLICY_EXAMPLES,
        formatter_class=raw,
    )
    policy.set_defaults(handler=lambda args: (policy.print_help(), 2)[1])
    policy_actions = policy.add_subparsers(dest="action", metavar="ACTION")
    policy_show = policy_actions.add_parser("show", help="the current setting and its effect")
    policy_show.set_defaults(handler=_handler("policy_show"))
    policy_set = policy_actions.add_parser(
        "set",
        help="change the setting (options not given keep their value)",
        epilog=POLICY_EXAMPLES,
        formatter_class=raw,
    )
    policy_set.add_argument(
        "--mode",
        choices=["off", "all", "roles", "groups"],
        help="off, all users, users with --roles, or users in --groups",
    )
    policy_set.add_argument(
        "--roles", type=_list, action="extend", help="role keys or names, comma-separated"
    )
    policy_set.add_argument(
        "--groups", type=_list, action="extend", help="group names, comma-separated"
    )
    policy_set.add_argument(
        "--grace-days",
        type=_days,
        help="days to set it up, 0 to 365 (0: at the next sign-in)",
    )
    policy_set.add_argument(
        "--all-admins",
        choices=["on", "off"],
        help="require 2FA for every administrator (on) or only those chosen one by one (off)",
    )
    policy_set.set_defaults(handler=_handler("policy_set"))

    remind = subparsers.add_parser(
        "remind",
        help="send the due mails about 2FA deadlines (once each; for cron)",
        description=REMIND_HELP,
        formatter_class=raw,
    )
    remind.add_argument(
        "--dry-run", action="store_true", help="show who would get a mail, send nothing"
    )
    remind.set_defaults(handler=_handler("remind"))
