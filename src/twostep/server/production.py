"""What in a configuration is unsafe for production (``twostep check --deploy``), in words.

Pure code on a :class:`~twostep.server.config.Config`, no Django, no network.

- ``findings(config, *, instances=1) -> list[Finding]``: each with a stable ``id``, a
  ``severity`` (``unsafe``: fix before going live; ``advice``: works, could be better) and a
  message that says what happens and what to set.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from .config import Config

__all__ = ["Finding", "findings"]

_EVERYONE = frozenset({"0.0.0.0/0", "::/0"})


@dataclass(frozen=True)
class Finding:
    id: str
    severity: Literal["unsafe", "advice"]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def findings(config: Config, *, instances: int = 1) -> list[Finding]:
    found: list[Finding] = []

    def unsafe(id: str, message: str) -> None:
        found.append(Finding(id, "unsafe", message))

    def advice(id: str, message: str) -> None:
        found.append(Finding(id, "advice", message))

    if config.database.engine == "sqlite":
        if instances > 1:
            unsafe(
                "sqlite_shared",
                f"the database is a SQLite file, but {instances} instances would use it: a file "
                "cannot be shared between machines, and each would keep its own users, codes "
                "and throttles. Use PostgreSQL (TWOSTEP_DATABASE_URL=postgres://...).",
            )
        else:
            unsafe(
                "sqlite",
                "the database is a SQLite file: one machine only, no second instance to take "
                "over, and backups must copy a live file. Use PostgreSQL "
                "(TWOSTEP_DATABASE_URL=postgres://...).",
            )
    if config.base_url_source != "TWOSTEP_BASE_URL":
        unsafe(
            "no_base_url",
            "TWOSTEP_BASE_URL is not set: links in mail (password resets, invitations) would "
            "lead to the address this process listens on, not the public one.",
        )
    if not config.https:
        unsafe(
            "no_tls",
            f"TWOSTEP_BASE_URL is {config.base_url}, not https://: passwords, codes and session "
            "cookies would cross the network readable, and cookies are not marked Secure. "
            "Terminate TLS in a proxy and give its https:// URL.",
        )
    if config.secret_keys_generated:
        unsafe(
            "generated_keys",
            "TWOSTEP_SECRET_KEYS is not set: the key was generated into the data directory, so "
            "each instance would make its own and they would disagree (sessions, links and "
            "stored secrets made by one unreadable by another), and it is lost with the "
            "directory. Set the same TWOSTEP_SECRET_KEYS on every instance.",
        )
    elif any(len(key) < 32 for key in config.secret_keys):
        unsafe(
            "short_keys",
            "a key in TWOSTEP_SECRET_KEYS is shorter than 32 characters: use random keys "
            "(e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`).",
        )
    if config.mail.backend == "console":
        unsafe(
            "console_mail",
            "mail is printed to the console (TWOSTEP_SMTP_URL is not set): password resets, "
            "invitations and security notices (a reused code, a lockout) never reach anyone.",
        )
    if config.debug:
        unsafe(
            "debug",
            "TWOSTEP_DEBUG is on: error pages show the code, settings and request data to "
            "whoever causes an error. Unset it.",
        )
    if config.fake_clock_file is not None:
        unsafe(
            "fake_clock",
            "TWOSTEP_FAKE_CLOCK_FILE is set: whoever can write that file moves the clock that "
            "codes are checked against. It is for tests; unset it.",
        )
    metrics = config.metrics
    if metrics.enabled and not metrics.token:
        if not metrics.allow:
            unsafe(
                "metrics_no_token",
                "TWOSTEP_METRICS is on without TWOSTEP_METRICS_TOKEN or TWOSTEP_METRICS_ALLOW: "
                "no scraper can read /metrics. Set a token (and give it to Prometheus).",
            )
        elif _EVERYONE & set(metrics.allow):
            unsafe(
                "metrics_open",
                "TWOSTEP_METRICS_ALLOW lets every address read /metrics without a token: "
                "sign-in and lockout counts are visible to anyone. Set TWOSTEP_METRICS_TOKEN "
                "and narrow the list to the Prometheus server.",
            )
        else:
            advice(
                "metrics_by_address",
                "/metrics is readable without a token from "
                f"{', '.join(metrics.allow)}: a token (TWOSTEP_METRICS_TOKEN) also protects it "
                "from other software on those machines.",
            )
    if config.proxy_count and not config.trusted_proxies:
        unsafe(
            "proxy_count_untrusted",
            "TWOSTEP_PROXY_COUNT is set but TWOSTEP_TRUSTED_PROXIES is not: anyone who reaches "
            "an instance directly can write X-Forwarded-For and choose the address its "
            "throttle counts against. Set TWOSTEP_TRUSTED_PROXIES to the proxies' addresses.",
        )
    elif config.https and not config.trusted_proxies:
        unsafe(
            "no_trusted_proxy",
            "TWOSTEP_BASE_URL is https://, so a TLS proxy stands in front, but "
            "TWOSTEP_TRUSTED_PROXIES is not set: every request seems to come from the proxy, "
            "so one client's wrong passwords slow everyone down. Set it to the proxy's "
            "address (or run `twostep serve --forwarded-allow-ips`).",
        )
    elif _EVERYONE & set(config.trusted_proxies):
        unsafe(
            "everyone_trusted",
            "TWOSTEP_TRUSTED_PROXIES trusts every address: any client can choose the address "
            "its throttle counts against. List only the proxies.",
        )
    if instances > 1 and not config.redis_url:
        advice(
            "no_redis",
            "TWOSTEP_REDIS_URL is not set: the instances share sessions and throttles through "
            "the database, which works; Redis takes the per-address throttle and the session "
            "cache off it.",
        )
    return found
