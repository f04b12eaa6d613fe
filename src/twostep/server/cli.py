"""``twostep``: run and manage the two-step verification server.

Django is imported only by the command that needs it, so ``twostep --help`` is instant.
Errors become one-line messages and exit codes here (tracebacks only with ``--debug``):
0 ok, 1 error or problems found, 2 usage, 130 interrupted.

Other parts add subcommands through ``register(subparsers)`` in
:mod:`twostep.server.console.cli` and :mod:`twostep.server.api.cli`: a subcommand sets
``handler`` with ``set_defaults(handler=fn)``; ``fn(args) -> int`` runs after Django is set up.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

EXAMPLES = """\
examples:
  twostep serve                          start on http://127.0.0.1:8000/ (SQLite in the data dir)
  twostep serve --host 0.0.0.0 --port 8080 --workers 4
  twostep createuser alice --email alice@example.com --role admin
  twostep setup-link                     a new link for creating the owner in the browser
  twostep check                          explain configuration problems
  twostep rotate-keys                    re-encrypt secrets after adding a new first key

configuration (environment variables):
  TWOSTEP_DATA_DIR      data directory (default ~/.local/share/twostep)
  TWOSTEP_DATABASE_URL  sqlite:///path or postgres://user:pass@host:5432/name
  TWOSTEP_REDIS_URL     redis://127.0.0.1:6379/0 (optional: cache and throttling)
  TWOSTEP_SECRET_KEYS   comma-separated keys, the first is current (default: generated once)
  TWOSTEP_SMTP_URL      smtp://user:pass@host:587?starttls=1 (default: mail printed here)
  TWOSTEP_BASE_URL      public URL, e.g. https://2fa.example.com
  TWOSTEP_PROXY_COUNT   number of reverse proxies in front (trust X-Forwarded-For/-Proto)
"""


class CommandError(Exception):
    """A message for the user; exit code 1."""


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twostep.server.settings")
    import django

    django.setup()


# -- serve ---------------------------------------------------------------------------------------


def _prepare(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)
    call_command("collectstatic", interactive=False, verbosity=0)


def cmd_serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.db import connections

    host = args.host
    port = _free_port(host, args.port)  # before the slow steps: a taken port fails at once
    if not args.no_migrate:
        print("Preparing the database and static files...", flush=True)
        _prepare()
    from .accounts.services import needs_owner, new_setup_token

    # First start: a one-time setup link, so that whoever reaches the server first over the
    # network cannot make themselves its owner; only who sees this output can.
    setup_token = new_setup_token() if needs_owner() else None
    connections.close_all()  # never share a connection with the forked workers

    from gunicorn.app.base import BaseApplication

    shown = f"[{host}]" if ":" in host else host
    bind = f"{shown}:{port}"
    url = f"http://{shown}:{port}/"

    def announce(worker: Any) -> None:
        """In the first worker once it listens (with ``reuse_port`` the workers bind the port,
        not the master): from here on a connection is not refused."""
        if worker.age != 1:  # the other workers, and workers started later
            return
        print(f"twostep is running at {url}  (press Ctrl+C to stop)", flush=True)
        public = _public_url()
        if public and url != public:
            print(f"Public URL (TWOSTEP_BASE_URL): {public}", flush=True)
        if setup_token:
            print(
                f"No accounts yet: open {public or url}{_setup_path(setup_token)} to create "
                "the owner account (this link works once; `twostep setup-link` makes a new one).",
                flush=True,
            )

    options = {
        "bind": bind,
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": args.threads,
        "control_socket_disable": True,
        "loglevel": "warning",
        "accesslog": "-" if args.access_log else None,
        "errorlog": "-",
        "timeout": 60,
        "keepalive": 5,
        "graceful_timeout": 10,
        # Each worker listens on its own socket and the kernel spreads new connections evenly
        # (Linux). With one shared socket the worker that wakes first takes them: the 16
        # keep-alive connections of a load test (as a relying party's connection pool) were
        # seen split 15 to 1: one worker saturated, the other idle, the rate down by a quarter
        # or more. The cost: a worker that dies drops the connections still queued on its
        # socket (the master no longer holds one for the next worker).
        "reuse_port": _SPREADS_CONNECTIONS,
        "post_worker_init": announce,
        "pre_request": _close_if_too_large,
        "proc_name": "twostep",
        "forwarded_allow_ips": "*" if settings.TWOSTEP_PROXY_COUNT else "127.0.0.1,::1",
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Callable[..., Any]:
            from .wsgi import application

            return application

    Server().run()
    return 0


def _close_if_too_large(worker: Any, req: Any) -> None:
    """gunicorn hook: a body over the size Django reads is refused unread (413), and gunicorn,
    which drains at most 64 KiB of it, then closes the connection after saying keep-alive: the
    client's next request on it met a reset. Such an answer now says ``Connection: close``."""
    from django.conf import settings

    length = next((v for name, v in req.headers if name == "CONTENT-LENGTH"), "")
    if length.isdigit() and int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        req.must_close = True


def _port(text: str) -> int:
    """argparse type: a TCP port number (a usage error otherwise, not a failed bind)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return port


# SO_REUSEPORT spreads connections over the sockets only on Linux (elsewhere it may hand them
# all to one socket): there only.
_SPREADS_CONNECTIONS: bool = sys.platform.startswith("linux")


def _free_port(host: str, port: int) -> int:
    """``port``, or a free one for 0, after checking that nothing listens there.

    With ``reuse_port`` the workers bind the port themselves, each with SO_REUSEPORT, which
    would let them share it with another server left running; this bind has no SO_REUSEPORT,
    so it fails if anything listens there, and a clear message replaces gunicorn's retries."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn's sockets
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"port {port} on {host} is in use (another twostep serve?); stop that "
                    "server or choose another --port"
                ) from None
            raise CommandError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
        return int(probe.getsockname()[1])


# -- migrate, createuser ------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    _prepare(verbosity=1)
    return 0


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


def _setup_path(token: str) -> str:
    return f"welcome/?token={token}"


def _public_url() -> str | None:
    """``TWOSTEP_BASE_URL`` with a trailing slash, if it was set (settings has a default)."""
    from django.conf import settings

    return settings.TWOSTEP_BASE_URL + "/" if os.environ.get("TWOSTEP_BASE_URL") else None


def cmd_setup_link(args: argparse.Namespace) -> int:
    from .accounts.services import new_setup_token

    token = new_setup_token()  # OwnerExistsError once there is an account
    base = _public_url() or f"http://127.0.0.1:{args.port}/"
    print(f"Open {base}{_setup_path(token)} to create the owner account.")
    print("The link works once; links printed before no longer work.")
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    from .accounts.models import OWNER
    from .accounts.services import create_owner, create_user, needs_owner
    from .clock import get_clock

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


# -- check -----------------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    """Explain the configuration and what is wrong with it, in words."""
    from .config import ConfigError, load_config

    problems: list[str] = []
    try:
        config = load_config(create_key=False)
    except ConfigError as exc:
        print(f"problem: {exc}")
        return 1
    print(f"Data directory: {config.data_dir}")
    print(f"Database: {config.database.describe()}")
    print(f"Redis: {config.redis_url or 'not configured (throttling kept in the database)'}")
    print(f"Mail: {config.mail.describe()}, from {config.mail_from}")
    print(f"Base URL: {config.base_url}")
    keys = (
        "generated, in " + str(config.key_file)
        if config.secret_keys_generated
        else "from TWOSTEP_SECRET_KEYS"
    )
    print(f"Secret keys: {len(config.secret_keys)} ({keys})")
    if not config.secret_keys:
        problems.append("no secret key yet: `twostep serve` generates one on first start")
    if config.data_dir.exists() and not os.access(config.data_dir, os.W_OK):
        problems.append(f"the data directory {config.data_dir} is not writable")

    if config.secret_keys:
        setup_django()
        problems += _check_database()
        if config.redis_url:
            problems += _check_redis(config.redis_url)
        if config.mail.backend == "smtp":
            problems += _check_smtp(config.mail.host, config.mail.port, config.mail.use_ssl)
    for warning in config.warnings:
        print(f"warning: {warning}")
    for problem in problems:
        print(f"problem: {problem}")
    if problems:
        return 1
    print("No problems found.")
    return 0


def _check_database() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return [f"cannot use the database: {type(exc).__name__}: {str(exc).strip()[:300]}"]
    problems = []
    if pending:
        problems.append(
            f"{len(pending)} database migrations are not applied: `twostep migrate` (or "
            "`twostep serve`) applies them"
        )
        return problems
    from .mfa.models import Device, PendingEnrolment
    from .mfa.services import keyring

    ring = keyring()
    for model in (Device, PendingEnrolment):
        ids = set(model.objects.values_list("key_id", flat=True).distinct())
        unknown = [k for k in ids if not ring.has_key(k)]
        old = [k for k in ids if ring.has_key(k) and k != ring.current_key_id]
        if unknown:
            problems.append(
                f"some {model.__name__} secrets are encrypted with a key that is not configured "
                "(did TWOSTEP_SECRET_KEYS lose a key?); those users cannot sign in with a code"
            )
        if old:
            print(
                f"warning: some {model.__name__} secrets use an older key: run `twostep "
                "rotate-keys`, then the old key can be removed from TWOSTEP_SECRET_KEYS"
            )
    connection.close()
    return problems


def _check_redis(url: str) -> list[str]:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
        client.ping()
        client.close()
    except Exception as exc:
        return [f"cannot reach Redis at {url}: {type(exc).__name__}"]
    return []


def _check_smtp(host: str, port: int, ssl: bool) -> list[str]:
    import smtplib

    try:
        smtp_class = smtplib.SMTP_SSL if ssl else smtplib.SMTP
        with smtp_class(host, port, timeout=5) as smtp:
            smtp.noop()
    except Exception as exc:
        return [f"cannot reach the mail server {host}:{port}: {type(exc).__name__}"]
    return []


# -- rotate-keys ---------------------------------------------------------------------------------


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    from .clock import get_clock
    from .mfa.services import keyring, rotate_keys

    report = rotate_keys(clock=get_clock())
    print(
        f"Re-encrypted {report.devices} device secret(s) and {report.pending} pending setup(s) "
        f"under key {keyring().current_key_id}; {report.already_current} already used it."
    )
    if report.unreadable:
        print(
            "problem: these could not be decrypted with any configured key (add the key they "
            "were made with to TWOSTEP_SECRET_KEYS and run again):"
        )
        for item in report.unreadable:
            print(f"  {item}")
        return 1
    return 0


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
        "--port", type=_port, default=8000, help="port (default 8000; 0 picks a free one)"
    )
    serve.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    serve.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    serve.add_argument("--access-log", action="store_true", help="log every request to stderr")
    serve.add_argument("--no-migrate", action="store_true", help="do not migrate or collect static")
    serve.set_defaults(handler=cmd_serve)

    link = sub.add_parser(
        "setup-link",
        help="print a new one-time link for creating the owner account in the browser",
        description="Before the first account exists, creating the owner in the browser needs "
        "the one-time setup link that twostep serve prints when it starts. This prints a new "
        "one (the URL from TWOSTEP_BASE_URL, else 127.0.0.1 and --port); older links stop "
        "working. Or create the owner here: twostep createuser NAME --role owner.",
    )
    link.add_argument(
        "--port", type=_port, default=8000, help="the server's port, for the URL (default 8000)"
    )
    link.set_defaults(handler=cmd_setup_link)

    migrate = sub.add_parser("migrate", help="apply database migrations and collect static files")
    migrate.set_defaults(handler=cmd_migrate)

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

    check = sub.add_parser("check", help="explain configuration problems in words")
    check.set_defaults(handler=cmd_check, no_django=True)

    rotate = sub.add_parser(
        "rotate-keys",
        help="re-encrypt every stored secret under the first key of TWOSTEP_SECRET_KEYS",
        description="Key rotation: put a new key first in TWOSTEP_SECRET_KEYS (keep the old "
        "ones after it), run this, then remove the old keys.",
    )
    rotate.set_defaults(handler=cmd_rotate_keys)

    from .api.cli import register as register_api
    from .console.cli import register as register_console

    register_console(sub)
    register_api(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    from .config import ConfigError
    from .errors import ServiceError

    try:
        if not getattr(args, "no_django", False):
            setup_django()
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
