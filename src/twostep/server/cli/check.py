"""``twostep check``: configuration problems, explained in words."""

from __future__ import annotations

import argparse
import builtins
import json
import os
from typing import Any

from .common import setup_django


def cmd_check(args: argparse.Namespace) -> int:
    """Explain the configuration and what is wrong with it, in words (``--json``: as JSON;
    ``--deploy``: also what is unsafe for production, :mod:`twostep.server.production`)."""
    from ..config import ConfigError, load_config, served_url, served_url_problem

    as_json = bool(getattr(args, "json", False))
    deploy = bool(getattr(args, "deploy", False))
    report: dict[str, Any] = {"info": [], "warnings": [], "problems": [], "unsafe": []}
    report["advice"] = []
    report["out_of_reach"] = []  # protected-site rules the session cookie does not reach

    def print(line: str) -> None:
        if as_json:
            kind, _, text = line.partition(": ")
            if kind == "warning":
                report["warnings"].append(text)
            else:
                report["info"].append(line)
        else:
            builtins.print(line)

    problems: list[str] = []
    try:
        config = load_config(create_key=False)
    except ConfigError as exc:
        if as_json:
            builtins.print(json.dumps({"ok": False, "problems": [str(exc)]}, indent=2))
        else:
            builtins.print(f"problem: {exc}")
        return 1
    print(f"Data directory: {config.data_dir}")
    print(f"Database: {config.database.describe()}")
    print(f"Redis: {config.redis_url or 'not configured (throttling kept in the database)'}")
    print(f"Mail: {config.mail.describe()}, from {config.mail_from}")
    sync = {
        "off": "off (TWOSTEP_SYNC=off: nobody may register an authenticator backup)",
        "domains": "addresses of " + ", ".join(config.sync_domains),
        "anyone": "anyone who can read mail at the address they give",
    }[config.sync]
    print(f"Sync: {sync}; at most {config.sync_max_bytes} bytes per account")
    if config.sync != "off" and config.mail.backend == "console":
        print(
            "warning: TWOSTEP_SYNC is on but mail is printed to the console, so people cannot "
            "confirm their addresses by mail: set TWOSTEP_SMTP_URL"
        )
    if config.base_url_source == "TWOSTEP_BASE_URL":
        print(f"Base URL: {config.base_url} (TWOSTEP_BASE_URL)")
    elif args.port is not None:
        print(
            f"Base URL: {served_url(args.host, args.port)} (the address served; "
            "TWOSTEP_BASE_URL is not set)"
        )
    else:
        print(
            "Base URL: the address `twostep serve` listens on (TWOSTEP_BASE_URL is not set), "
            f"{config.base_url} with the default --port"
        )
    if args.port is not None:
        mismatch = served_url_problem(config, args.host, args.port)
        if mismatch:
            problems.append(mismatch)
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
        database_problems = _check_database()
        problems += database_problems
        if not database_problems:
            report["out_of_reach"] = _check_sites(config.cookie_domain)
            for warning in report["out_of_reach"]:
                print(f"warning: {warning}")
        if config.redis_url:
            problems += _check_redis(config.redis_url)
        if config.mail.backend == "smtp":
            problems += _check_smtp(config.mail.host, config.mail.port, config.mail.use_ssl)
    for warning in config.warnings:
        print(f"warning: {warning}")
    unsafe: list[dict[str, Any]] = []
    if deploy:
        from ..production import findings

        found = findings(config, instances=args.instances)
        unsafe = [f.as_dict() for f in found if f.severity == "unsafe"]
        report["advice"] = [f.as_dict() for f in found if f.severity == "advice"]
    ok = not problems and not unsafe
    if as_json:
        report.update(problems=problems, unsafe=unsafe, ok=ok)
        builtins.print(json.dumps(report, indent=2))
        return 0 if ok else 1
    for problem in problems:
        builtins.print(f"problem: {problem}")
    for item in unsafe:
        builtins.print(f"unsafe for production: {item['message']}")
    for item in report["advice"]:
        builtins.print(f"advice: {item['message']}")
    if not ok:
        return 1
    builtins.print("Nothing unsafe for production found." if deploy else "No problems found.")
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
    from ..mfa.keys import keyring
    from ..mfa.models import Device, PendingEnrolment
    from ..oidc.models import SigningKey

    ring = keyring()
    for model in (Device, PendingEnrolment, SigningKey):
        ids = set(model.objects.values_list("key_id", flat=True).distinct())
        unknown = [k for k in ids if not ring.has_key(k)]
        old = [k for k in ids if ring.has_key(k) and k != ring.current_key_id]
        if unknown:
            problems.append(
                f"some {model.__name__} secrets are encrypted with a key that is not configured "
                "(did TWOSTEP_SECRET_KEYS lose a key?); "
                + (
                    "the OpenID Connect provider cannot sign with them (`twostep oidc "
                    "rotate-key --activate-in 0` makes new ones)"
                    if model is SigningKey
                    else "those users cannot sign in with a code"
                )
            )
        if old:
            print(
                f"warning: some {model.__name__} secrets use an older key: run `twostep "
                "rotate-keys`, then the old key can be removed from TWOSTEP_SECRET_KEYS"
            )
    from ..webhooks.models import Subscription

    ids = set(Subscription.objects.values_list("key_id", flat=True).distinct())
    if any(not ring.has_key(k) for k in ids):
        problems.append(
            "some webhook secrets are encrypted with a key that is not configured: their "
            "deliveries fail (add the key back, or remove those webhooks and add them again)"
        )
    elif any(k != ring.current_key_id for k in ids):
        print("warning: some webhook secrets use an older key: run `twostep rotate-keys`")
    connection.close()
    return problems


def _check_sites(cookie_domain: str) -> list[str]:
    from ..gateway.returns import out_of_reach

    try:
        return out_of_reach(cookie_domain)
    finally:
        from django.db import connection

        connection.close()


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
