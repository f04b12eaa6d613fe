"""``twostep``: run and manage the two-step verification server.

Django is imported only by the command that needs it, so ``twostep --help`` is instant.
Errors become one-line messages and exit codes here (tracebacks only with ``--debug``):
0 ok, 1 error or problems found, 2 usage, 130 interrupted.

Other parts add subcommands through ``register(subparsers)`` in
:mod:`.console` (users, policy, remind), :mod:`.apikeys`, :mod:`.sites`, :mod:`.apps` and
others: a subcommand sets ``handler`` with ``set_defaults(handler=fn)``; ``fn(args) -> int``
runs after Django is set up.
"""

from __future__ import annotations

import argparse
import sys

from .apikeys import register as register_apikeys
from .apps import register as register_apps
from .check import cmd_check
from .common import CommandError, port, setup_django
from .console import register as register_console
from .oidc import register as register_oidc
from .org import register as register_org
from .schema import migrated
from .serve import before_serve, cmd_migrate, cmd_serve
from .setup import cmd_createuser, cmd_rotate_keys, cmd_setup_link
from .sites import register as register_sites
from .webhooks import register as register_webhooks

__all__ = ["CommandError", "build_parser", "main"]

EXAMPLES = """\
examples:
  twostep serve                          start on http://127.0.0.1:8000/ (SQLite in the data dir)
  twostep serve --host 0.0.0.0 --port 8080 --workers 4
  twostep createuser alice --email alice@example.com --role admin
  twostep org set-name "Example Ltd"     the name authenticator apps show for the accounts
  twostep setup-link                     a new link for creating the owner in the browser
  twostep check --port 8111              explain configuration problems (for that port)
  twostep check --deploy --json          what is unsafe for production (exit 1 if anything)
  twostep rotate-keys                    re-encrypt secrets after adding a new first key
  twostep sites add app.example.com --policy two_factor   put a site behind twostep
  twostep apps create Grafana --redirect-uri URI --json   an application signing in through us
  twostep oidc rotate-key                new OpenID Connect signing keys (published first)

configuration (environment variables):
  TWOSTEP_DATA_DIR      data directory (default ~/.local/share/twostep)
  TWOSTEP_DATABASE_URL  sqlite:///path or postgres://user:pass@host:5432/name
  TWOSTEP_REDIS_URL     redis://127.0.0.1:6379/0 (optional: cache and throttling)
  TWOSTEP_SECRET_KEYS   comma-separated keys, the first is current (default: generated once)
  TWOSTEP_SMTP_URL      smtp://user:pass@host:587?starttls=1 (default: mail printed here)
  TWOSTEP_BASE_URL      public URL, e.g. https://2fa.example.com (default: the address
                        twostep serve listens on, e.g. http://127.0.0.1:8000)
  TWOSTEP_TRUSTED_PROXIES  the reverse proxies' addresses: X-Forwarded-For/-Proto count only
                        from them (or serve --forwarded-allow-ips)
  TWOSTEP_PROXY_COUNT   number of reverse proxies in front (trusts any peer: prefer the above)
  TWOSTEP_METRICS       1: Prometheus metrics at /metrics (with TWOSTEP_METRICS_TOKEN or
                        TWOSTEP_METRICS_ALLOW=addresses)
  TWOSTEP_LOG_FORMAT    json: access and audit logs as JSON lines
  TWOSTEP_COOKIE_DOMAIN parent domain for the session cookie (forward authentication)
"""


# -- entry point ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twostep",
        description="twostep server: sign-in with two-step verification (TOTP) for your "
        "organisation, with an admin console and a REST API.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="migrate the database and serve the pages and the API (gunicorn)",
        description="Apply database migrations, collect static files and serve with gunicorn. "
        "On first start, open the printed one-time setup link to create the owner account.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=port, default=8000, help="port (default 8000; 0 picks a free one)"
    )
    serve.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    serve.add_argument("--access-log", action="store_true", help="log every request to stderr")
    serve.add_argument("--no-migrate", action="store_true", help="do not migrate or collect static")
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="ADDRESSES",
        help="the reverse proxies' addresses or networks, comma-separated (e.g. "
        "127.0.0.1,10.0.0.0/8): X-Forwarded-For and -Proto count only on requests from them "
        "(sets TWOSTEP_TRUSTED_PROXIES)",
    )
    serve.set_defaults(handler=cmd_serve, migrates_itself=True, before_django=before_serve)

    link = sub.add_parser(
        "setup-link",
        help="print a new one-time link for creating the owner account in the browser",
        description="Before the first account exists, creating the owner in the browser needs "
        "the one-time setup link that twostep serve prints when it starts. This prints a new "
        "one (the URL from TWOSTEP_BASE_URL, else 127.0.0.1 and --port); older links stop "
        "working. Or create the owner here: twostep createuser NAME --role owner.",
    )
    link.add_argument(
        "--port", type=port, default=8000, help="the server's port, for the URL (default 8000)"
    )
    link.set_defaults(handler=cmd_setup_link)

    migrate = sub.add_parser("migrate", help="apply database migrations and collect static files")
    migrate.set_defaults(handler=cmd_migrate, migrates_itself=True)

    create = sub.add_parser(
        "createuser",
        help="create a user (asks for the password)",
        description="Create a user. The first owner can also be created in the browser.",
    )
    create.add_argument("username")
    create.add_argument("--email", help="email address (needed for mail notifications)")
    create.add_argument("--name", help="display name")
    create.add_argument(
        "--role",
        default="member",
        help="owner, admin, member or a custom role key (default member)",
    )
    how = create.add_mutually_exclusive_group()
    how.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin",
    )
    how.add_argument(
        "--no-password", action="store_true", help="a user without a password (API-only)"
    )
    create.set_defaults(handler=cmd_createuser)

    check = sub.add_parser(
        "check",
        help="explain configuration problems in words",
        description="Explain the configuration and what is wrong with it. With --port (and "
        "--host), the port `twostep serve` is given, it also checks that links in mail lead "
        "there: without TWOSTEP_BASE_URL they follow the address served.",
    )
    check.add_argument(
        "--host", default="127.0.0.1", help="the address twostep serve listens on (127.0.0.1)"
    )
    check.add_argument("--port", type=port, default=None, help="the port twostep serve listens on")
    check.add_argument(
        "--deploy",
        action="store_true",
        help="also say what is unsafe for production (SQLite, no TLS, generated keys, console "
        "mail, debug, metrics without a token, a proxy not trusted by address); exit 1 if any",
    )
    check.add_argument(
        "--instances",
        type=int,
        default=1,
        metavar="N",
        help="with --deploy: how many twostep serve instances share this configuration",
    )
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    check.set_defaults(handler=cmd_check, no_django=True)

    rotate = sub.add_parser(
        "rotate-keys",
        help="re-encrypt every stored secret under the first key of TWOSTEP_SECRET_KEYS",
        description="Key rotation: put a new key first in TWOSTEP_SECRET_KEYS (keep the old "
        "ones after it), run this, then remove the old keys.",
    )
    rotate.set_defaults(handler=cmd_rotate_keys)

    register_console(sub)
    register_org(sub)
    register_apikeys(sub)
    register_webhooks(sub)
    register_sites(sub)
    register_apps(sub)
    register_oidc(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    from ..config import ConfigError
    from ..errors import ServiceError

    try:
        before_django = getattr(args, "before_django", None)
        if before_django is not None:  # what the settings must know, e.g. the port served
            before_django(args)
        if not getattr(args, "no_django", False):
            setup_django()
            if not getattr(args, "migrates_itself", False):
                # Every command needs the schema: wait for a migration under way (serve's),
                # or migrate a fresh database now.
                migrated()
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (CommandError, ConfigError, ServiceError) as exc:
        if args.debug:
            raise
        message = getattr(exc, "message", None) or str(exc)
        print(f"twostep: {message}", file=sys.stderr)
        return 1
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"twostep: unexpected error: {type(exc).__name__}: {exc} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
