"""``twostep serve`` and ``twostep migrate``: the database migrated, then gunicorn."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import CommandError
from .schema import migrated
from .setup import public_url, setup_path


def cmd_migrate(args: argparse.Namespace) -> int:
    migrated(verbosity=1, static=True)
    return 0


def before_serve(args: argparse.Namespace) -> None:
    """Before the settings load: the port (a free one for 0; a taken port fails at once, before
    the slow steps), and, without ``TWOSTEP_BASE_URL``, the address served as the base URL of
    links in mail (the forked workers inherit the settings and the environment)."""
    from ..config import SERVED_URL_VARIABLE, served_url

    args.port = _free_port(args.host, args.port)
    if getattr(args, "forwarded_allow_ips", None):
        # The settings read it (config.TWOSTEP_TRUSTED_PROXIES); the workers inherit it.
        os.environ["TWOSTEP_TRUSTED_PROXIES"] = args.forwarded_allow_ips
    _prepare_metrics()
    if os.environ.get("TWOSTEP_BASE_URL", "").strip():
        os.environ.pop(SERVED_URL_VARIABLE, None)
    else:
        os.environ[SERVED_URL_VARIABLE] = served_url(args.host, args.port)


def _prepare_metrics() -> None:
    """With ``TWOSTEP_METRICS`` on, gunicorn's workers each write their counts to files in
    ``PROMETHEUS_MULTIPROC_DIR`` (kept if set, else ``<data dir>/metrics``), emptied here at
    each start, and ``/metrics`` adds them up. It must be set before prometheus-client is
    imported, hence here, before Django."""
    from ..config import load_config

    config = load_config(create_key=False)
    if not config.metrics.enabled:
        os.environ.pop(_MULTIPROC, None)  # left from a unit file: counts stay in memory
        return
    folder = Path(os.environ.get(_MULTIPROC) or config.data_dir / "metrics")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for stale in folder.glob("*.db"):  # a killed run's counts would add to this run's
        stale.unlink()
    os.environ[_MULTIPROC] = str(folder)


_MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"


def _worker_exited(server: Any, worker: Any) -> None:
    """gunicorn's ``child_exit``: a dead worker's files stop counting as live."""
    from ..metrics import worker_exited

    worker_exited(worker.pid)


def cmd_serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.db import connections

    from ..config import served_url_problem

    host = args.host
    port = args.port  # checked, and chosen for 0, by before_serve
    if not args.no_migrate:
        print("Preparing the database and static files...", flush=True)
        migrated(static=True, quiet=True)  # under the lock: a second serve waits, then skips
    from ..accounts.owner import needs_owner, new_setup_token

    # First start: a one-time setup link, so that whoever reaches the server first over the
    # network cannot make themselves its owner; only who sees this output can. Links that
    # other starts printed stay valid.
    setup_token, dropped = new_setup_token(keep_earlier=True) if needs_owner() else (None, False)
    connections.close_all()  # never share a connection with the forked workers

    from gunicorn.app.base import BaseApplication

    from .access_log import JsonAccessLogger, RedactingLogger

    shown = f"[{host}]" if ":" in host else host
    bind = f"{shown}:{port}"
    url = f"http://{shown}:{port}/"

    def announce(worker: Any) -> None:
        """In every worker: its webhook delivery thread. In the first worker once it listens
        (with ``reuse_port`` the workers bind the port, not the master): the address; from
        here on a connection is not refused."""
        from ..webhooks.worker import start as start_webhooks

        start_webhooks()
        if worker.age != 1:  # the other workers, and workers started later
            return
        print(f"twostep is running at {url}  (press Ctrl+C to stop)", flush=True)
        public = public_url()
        if public and url != public:
            print(f"Public URL (TWOSTEP_BASE_URL): {public}", flush=True)
        problem = served_url_problem(settings.TWOSTEP, host, port)
        if problem:
            print(f"warning: {problem}", flush=True)
        elif not public and host in {"0.0.0.0", "::"}:  # noqa: S104 - told, not bound
            print(
                f"Links in mail lead to {settings.TWOSTEP_BASE_URL}/: set TWOSTEP_BASE_URL to "
                "the address people use to reach this server.",
                flush=True,
            )
        if setup_token:
            print(
                f"No accounts yet: open {public or url}{setup_path(setup_token)} to create "
                "the owner account (this link works once; `twostep setup-link` makes a new one).",
                flush=True,
            )
            if dropped:
                print(
                    "The setup link printed by the earliest of the starts before no longer works "
                    "(the last 8 links do).",
                    flush=True,
                )

    options = {
        "bind": bind,
        "workers": args.workers,
        "worker_class": _stopping_worker_class(),
        "threads": args.threads,
        "control_socket_disable": True,
        "loglevel": "warning",
        "accesslog": "-" if args.access_log else None,
        # Tokens and codes never reach a log line (the setup link's token, invitations, keys).
        "logger_class": JsonAccessLogger
        if settings.TWOSTEP_LOG_FORMAT == "json"
        else RedactingLogger,
        "errorlog": "-",
        "timeout": 60,
        "keepalive": 5,
        # SIGTERM (systemd's stop, a rolling restart): the workers stop accepting, finish the
        # requests they hold (up to this many seconds), then exit.
        "graceful_timeout": 10,
        "child_exit": _worker_exited if os.environ.get(_MULTIPROC) else None,
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
        # Whose X-Forwarded-Proto gunicorn believes; twostep's own check is
        # web.middleware.ForwardedHeadersMiddleware (the same list).
        "forwarded_allow_ips": ",".join(settings.TWOSTEP_TRUSTED_PROXIES)
        if settings.TWOSTEP_TRUSTED_PROXIES
        else "*"
        if settings.TWOSTEP_PROXY_COUNT
        else "127.0.0.1,::1",
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Callable[..., Any]:
            from ..wsgi import application

            return application

    Server().run()
    return 0


def _stopping_worker_class() -> type:
    """gunicorn's threaded worker, which on SIGTERM also closes its listening socket.

    With ``reuse_port`` each worker listens on its own socket. gunicorn's worker only stops
    accepting from it while it finishes its requests (up to ``graceful_timeout``): the kernel
    went on queueing new connections there, and reset them when the worker exited (seen: a
    proxy's POST sent to a stopping instance failed instead of going to the next one).
    Closed at once, the kernel sends new connections to the other workers, or refuses them
    (then nginx tries the next instance)."""
    from gunicorn.workers.gthread import ThreadWorker

    class StoppingThreadWorker(ThreadWorker):  # type: ignore[misc]
        def set_accept_enabled(self, enabled: bool) -> None:
            super().set_accept_enabled(enabled)
            if not enabled and not self.alive and _SPREADS_CONNECTIONS:
                for listener in self.sockets:
                    listener.close()

    return StoppingThreadWorker


def _close_if_too_large(worker: Any, req: Any) -> None:
    """gunicorn hook: a body over the size Django reads is refused unread (413), and gunicorn,
    which drains at most 64 KiB of it, then closes the connection after saying keep-alive: the
    client's next request on it met a reset. Such an answer now says ``Connection: close``."""
    from django.conf import settings

    length = next((v for name, v in req.headers if name == "CONTENT-LENGTH"), "")
    if length.isdigit() and int(length) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        req.must_close = True


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
