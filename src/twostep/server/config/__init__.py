"""Configuration from ``TWOSTEP_*`` environment variables, read once into a :class:`Config`.

Pure code, no Django: the settings module, ``twostep check`` and the tests all use it. The
parts: :mod:`.values` (errors, lists, networks), :mod:`.connections` (database and mail URLs),
:mod:`.keys` (the generated key's file), :mod:`.features` (metrics, sync, the shared cookie),
:mod:`.served` (the address served as base URL); :func:`load_config` puts them together.

Variables (all optional):

``TWOSTEP_DATA_DIR``      where the SQLite database, generated keys and static files live
                          (default ``~/.local/share/twostep``, or ``$XDG_DATA_HOME/twostep``)
``TWOSTEP_DATABASE_URL``  ``sqlite:///relative/or/absolute/path`` or
                          ``postgres://user:password@host:port/name`` (psycopg 3); default: the
                          SQLite file ``twostep.sqlite3`` in the data dir
``TWOSTEP_REDIS_URL``     ``redis://host:port/db``: cache, sessions cache and the per-address
                          throttle store (the per-account throttle always lives in the database)
``TWOSTEP_SECRET_KEYS``   comma-separated keys, the first one current, the others still accepted
                          (for rotation). Unset: one is generated and kept in
                          ``<data dir>/secret_keys`` (mode 0600) and ``twostep check`` warns.
``TWOSTEP_SMTP_URL``      ``smtp://user:password@host:port`` (``smtps://`` for TLS,
                          ``?starttls=1`` for STARTTLS) or ``console`` (the default)
``TWOSTEP_MAIL_FROM``     sender address (default ``twostep@<host of the base URL>``)
``TWOSTEP_BASE_URL``      the public URL, e.g. ``https://2fa.example.com``; an ``https`` URL
                          turns on HSTS and Secure cookies. Unset: the address ``twostep serve``
                          listens on (it passes it on in ``TWOSTEP_SERVED_URL``, an internal
                          variable), else ``http://127.0.0.1:8000``
``TWOSTEP_ALLOWED_HOSTS`` extra host names, comma-separated (the base URL's host is always allowed)
``TWOSTEP_PROXY_COUNT``   reverse proxies in front of twostep (default 0): the client address is
                          then taken from ``X-Forwarded-For``, and ``X-Forwarded-Proto`` is trusted
``TWOSTEP_TRUSTED_PROXIES`` addresses or networks of the reverse proxies (``127.0.0.1,10.0.0.0/8``):
                          ``X-Forwarded-For`` and ``-Proto`` count only on a request that comes
                          from one of them (``twostep serve --forwarded-allow-ips`` sets it)
``TWOSTEP_METRICS``       ``1``: Prometheus metrics at ``/metrics`` (off by default)
``TWOSTEP_METRICS_TOKEN`` the bearer token a scraper sends to read ``/metrics``
``TWOSTEP_METRICS_ALLOW`` addresses or networks that may read ``/metrics`` without the token
``TWOSTEP_LOG_FORMAT``    ``text`` (default) or ``json``: access and application logs as JSON lines
``TWOSTEP_COOKIE_DOMAIN`` a parent domain of the base URL's host, e.g. ``example.com``: the
                          session cookie is sent to every host under it, so one sign-in covers
                          the protected sites of forward authentication (docs/forward-auth.md)
``TWOSTEP_FAKE_CLOCK_FILE`` tests only: a file holding an offset in seconds added to the clock
``TWOSTEP_DEBUG``         ``1`` for Django's debug pages (never in production)
``TWOSTEP_SYNC``          who may register an end-to-end encrypted vault backup (docs/sync.md):
                          ``off`` (the default: nobody), ``domains`` (addresses of
                          ``TWOSTEP_SYNC_DOMAINS``) or ``anyone``
``TWOSTEP_SYNC_DOMAINS``  the organisation's mail domains, comma-separated (``example.com``)
``TWOSTEP_SYNC_MAX_BYTES`` the largest encrypted vault an account may upload (default 1 MiB)
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .connections import (
    SQLITE_FILE_NAME,
    DatabaseConfig,
    MailConfig,
    database_from_url,
    mail_from_url,
)
from .features import MetricsConfig, cookie_domain, metrics_config, sync_settings
from .keys import KEY_FILE_NAME, read_or_create_key_file
from .served import (
    DEFAULT_BASE_URL,
    LOCAL_HOSTS,
    SERVED_URL_VARIABLE,
    served_url,
    served_url_problem,
)
from .values import ConfigError, networks, split

__all__ = [
    "SERVED_URL_VARIABLE",
    "Config",
    "ConfigError",
    "DatabaseConfig",
    "MailConfig",
    "MetricsConfig",
    "database_from_url",
    "load_config",
    "mail_from_url",
    "networks",
    "read_or_create_key_file",
    "served_url",
    "served_url_problem",
]


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database: DatabaseConfig
    redis_url: str | None
    secret_keys: tuple[str, ...] = field(repr=False)
    secret_keys_generated: bool
    key_file: Path | None
    mail: MailConfig
    mail_from: str
    base_url: str
    #: where ``base_url`` comes from: ``TWOSTEP_BASE_URL``, ``served`` or ``default``
    base_url_source: str
    allowed_hosts: tuple[str, ...]
    proxy_count: int
    fake_clock_file: Path | None
    debug: bool
    #: networks of the reverse proxies whose ``X-Forwarded-*`` headers count (empty: none, or
    #: with ``proxy_count`` any peer's, as before ``TWOSTEP_TRUSTED_PROXIES`` existed)
    trusted_proxies: tuple[str, ...] = ()
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    log_format: str = "text"
    warnings: tuple[str, ...] = ()
    #: who may register for sync: "off", "domains" or "anyone"
    sync: str = "off"
    sync_domains: tuple[str, ...] = ()
    sync_max_bytes: int = 1024 * 1024
    #: ``TWOSTEP_COOKIE_DOMAIN`` (no leading dot), or "": the session cookie is host-only
    cookie_domain: str = ""

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")


def default_data_dir(env: dict[str, str]) -> Path:
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path(env.get("HOME") or Path.home()) / ".local" / "share"
    return base / "twostep"


def load_config(env: dict[str, str] | None = None, *, create_key: bool = True) -> Config:
    """Read the configuration from ``env`` (default ``os.environ``)."""
    env = dict(os.environ if env is None else env)
    warnings: list[str] = []
    data_dir = Path(env.get("TWOSTEP_DATA_DIR") or default_data_dir(env)).expanduser()
    if not data_dir.is_absolute():
        data_dir = data_dir.resolve()

    database_url = env.get("TWOSTEP_DATABASE_URL", "").strip()
    if database_url:
        database = database_from_url(database_url, data_dir)
    else:
        database = DatabaseConfig(engine="sqlite", name=str(data_dir / SQLITE_FILE_NAME))

    keys = split(env.get("TWOSTEP_SECRET_KEYS"))
    generated = False
    key_file: Path | None = None
    if not keys:
        key_file = data_dir / KEY_FILE_NAME
        generated = True
        if create_key:
            keys = [read_or_create_key_file(key_file)]
        elif key_file.exists():
            keys = [key_file.read_text(encoding="utf-8").strip()]
        warnings.append(
            f"TWOSTEP_SECRET_KEYS is not set: the key was generated and is kept in {key_file}. "
            "Back it up (without it the stored TOTP secrets cannot be read) or set "
            "TWOSTEP_SECRET_KEYS, for example to the content of that file."
        )
        if key_file.exists():
            mode = stat.S_IMODE(key_file.stat().st_mode)
            if mode & 0o077:
                warnings.append(f"{key_file} is readable by others (mode {mode:o}); chmod 600 it")
    for index, key in enumerate(keys, 1):
        if len(key) < 32:
            warnings.append(
                f"TWOSTEP_SECRET_KEYS: key {index} is short ({len(key)} characters); use at least "
                "32 random characters"
            )

    configured = (env.get("TWOSTEP_BASE_URL") or "").strip()
    served = (env.get(SERVED_URL_VARIABLE) or "").strip()
    source = "TWOSTEP_BASE_URL" if configured else "served" if served else "default"
    base_url = (configured or served or DEFAULT_BASE_URL).rstrip("/")
    base = urlsplit(base_url)
    if base.scheme not in {"http", "https"} or not base.hostname:
        raise ConfigError(
            "TWOSTEP_BASE_URL: expected http(s)://host[:port], e.g. https://2fa.example.com"
        )
    if base.scheme == "http" and base.hostname not in LOCAL_HOSTS:
        warnings.append(
            "TWOSTEP_BASE_URL is http:// on a public name: passwords and codes would cross the "
            "network unencrypted. Put twostep behind HTTPS and use an https:// base URL."
        )
    hosts = [base.hostname, *split(env.get("TWOSTEP_ALLOWED_HOSTS"))]
    for local in ("127.0.0.1", "localhost", "[::1]"):
        if local not in hosts:
            hosts.append(local)

    try:
        proxy_count = int(env.get("TWOSTEP_PROXY_COUNT") or 0)
    except ValueError:
        raise ConfigError(
            "TWOSTEP_PROXY_COUNT: expected a whole number (0 without a proxy)"
        ) from None
    if not 0 <= proxy_count <= 10:
        raise ConfigError("TWOSTEP_PROXY_COUNT: expected a whole number from 0 to 10")

    trusted_proxies = networks(env.get("TWOSTEP_TRUSTED_PROXIES"), "TWOSTEP_TRUSTED_PROXIES")
    metrics = metrics_config(env)
    log_format = (env.get("TWOSTEP_LOG_FORMAT") or "text").strip().lower()
    if log_format not in {"text", "json"}:
        raise ConfigError("TWOSTEP_LOG_FORMAT: expected text or json")
    cookie = cookie_domain(env.get("TWOSTEP_COOKIE_DOMAIN"), base.hostname)

    redis_url = (env.get("TWOSTEP_REDIS_URL") or "").strip() or None
    if redis_url and urlsplit(redis_url).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError("TWOSTEP_REDIS_URL: expected redis://host:port/db")

    mail = mail_from_url(env.get("TWOSTEP_SMTP_URL"))
    mail_from = (env.get("TWOSTEP_MAIL_FROM") or "").strip() or f"twostep@{base.hostname}"

    fake_clock = (env.get("TWOSTEP_FAKE_CLOCK_FILE") or "").strip()
    if fake_clock:
        warnings.append(
            "TWOSTEP_FAKE_CLOCK_FILE is set: the clock can be moved by editing a file. "
            "This is for tests only; unset it in production."
        )
    debug = (env.get("TWOSTEP_DEBUG") or "").strip().lower() in {"1", "true", "yes"}
    if debug:
        warnings.append("TWOSTEP_DEBUG is on: error pages show internals. Never in production.")

    sync, sync_domains, sync_max_bytes = sync_settings(env)

    return Config(
        data_dir=data_dir,
        database=database,
        redis_url=redis_url,
        secret_keys=tuple(keys),
        secret_keys_generated=generated,
        key_file=key_file,
        mail=mail,
        mail_from=mail_from,
        base_url=base_url,
        base_url_source=source,
        allowed_hosts=tuple(hosts),
        proxy_count=proxy_count,
        fake_clock_file=Path(fake_clock) if fake_clock else None,
        debug=debug,
        trusted_proxies=trusted_proxies,
        metrics=metrics,
        log_format=log_format,
        warnings=tuple(warnings),
        sync=sync,
        sync_domains=sync_domains,
        sync_max_bytes=sync_max_bytes,
        cookie_domain=cookie,
    )
