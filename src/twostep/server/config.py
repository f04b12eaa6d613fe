"""Configuration from ``TWOSTEP_*`` environment variables, read once into a :class:`Config`.

Pure code, no Django: the settings module, ``twostep check`` and the tests all use it.

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

import base64
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
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

KEY_FILE_NAME = "secret_keys"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
#: Set by ``twostep serve`` (only when ``TWOSTEP_BASE_URL`` is not) before the settings load:
#: the address it listens on, so that links in mail lead to the port actually served.
SERVED_URL_VARIABLE = "TWOSTEP_SERVED_URL"
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SQLITE_FILE_NAME = "twostep.sqlite3"


_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


class ConfigError(ValueError):
    """A configuration value cannot be used; the message says which variable and why."""


@dataclass(frozen=True)
class DatabaseConfig:
    engine: str  # "sqlite" or "postgresql"
    name: str
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: str = ""
    options: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """Where the database is, without the password."""
        if self.engine == "sqlite":
            return f"SQLite file {self.name}"
        where = f"{self.host or 'localhost'}:{self.port or 5432}"
        return f"PostgreSQL database {self.name!r} on {where} as {self.user or '(default user)'}"

    def django(self) -> dict[str, Any]:
        """The ``DATABASES['default']`` entry."""
        if self.engine == "sqlite":
            return {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": self.name,
                "OPTIONS": {
                    # Several processes share the file: WAL lets readers run beside a writer,
                    # the busy timeout makes writers wait instead of failing, and IMMEDIATE
                    # transactions take the write lock up front (no deadlock on upgrade).
                    "timeout": 30,
                    "transaction_mode": "IMMEDIATE",
                    "init_command": (
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                        "PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;"
                    ),
                },
            }
        options: dict[str, Any] = {"connect_timeout": 10, **self.options}
        # Server-side parameters: psycopg then prepares a statement on its fifth run on a
        # connection, and PostgreSQL stops parsing and planning the verify path's statements
        # (half of its CPU time under load). Off with ?server_side_binding=false (for a
        # connection pooler in transaction mode, which cannot keep prepared statements).
        binding = options.get("server_side_binding", "true") == "true"
        options["server_side_binding"] = binding
        # Django turns psycopg's automatic preparation off; with server-side parameters it is
        # what they are for (psycopg's default: prepared on the fifth run of a statement).
        options["prepare_threshold"] = 5 if binding else None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": self.name,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": self.port,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }


@dataclass(frozen=True)
class MailConfig:
    backend: str  # "console" or "smtp"
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = field(default="", repr=False)
    use_tls: bool = False
    use_ssl: bool = False

    def describe(self) -> str:
        if self.backend == "console":
            return "printed to the console (TWOSTEP_SMTP_URL is not set)"
        security = "TLS" if self.use_ssl else "STARTTLS" if self.use_tls else "no encryption"
        return f"SMTP {self.host}:{self.port} ({security})"


@dataclass(frozen=True)
class MetricsConfig:
    enabled: bool = False
    token: str = field(default="", repr=False)
    #: networks that may read ``/metrics`` without the token
    allow: tuple[str, ...] = ()


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


def database_from_url(url: str, data_dir: Path) -> DatabaseConfig:
    """Parse ``TWOSTEP_DATABASE_URL``; raises :class:`ConfigError` naming what is wrong."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"sqlite", "sqlite3"}:
        path = unquote(url.split("://", 1)[1]) if "://" in url else ""
        # sqlite:///rel/path -> "/rel/path" after the scheme's "//"; sqlite:////abs -> "//abs"
        if path.startswith("/"):
            path = path[1:]
        if not path or path == ":memory:":
            raise ConfigError(
                "TWOSTEP_DATABASE_URL: give the SQLite file, e.g. sqlite:////var/lib/twostep/db"
            )
        file = Path(path)
        if not file.is_absolute():
            file = data_dir / file
        return DatabaseConfig(engine="sqlite", name=str(file))
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError("TWOSTEP_DATABASE_URL: the PostgreSQL URL names no database")
        try:
            port = parts.port
        except ValueError:
            raise ConfigError("TWOSTEP_DATABASE_URL: the port is not a number") from None
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        binding = options.get("server_side_binding", "true").strip().lower()
        if binding not in _TRUE | _FALSE:
            raise ConfigError(
                f"TWOSTEP_DATABASE_URL: server_side_binding is true or false, not {binding!r}"
            )
        options["server_side_binding"] = "true" if binding in _TRUE else "false"
        return DatabaseConfig(
            engine="postgresql",
            name=name,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            host=unquote(parts.hostname or ""),
            port=str(port or ""),
            options=options,
        )
    raise ConfigError(
        f"TWOSTEP_DATABASE_URL: unsupported scheme {parts.scheme!r} "
        "(use sqlite:///path or postgres://user@host/name)"
    )


def mail_from_url(url: str | None) -> MailConfig:
    """Parse ``TWOSTEP_SMTP_URL`` (``console`` or empty: print mail to the console)."""
    if not url or url.strip().lower() in {"console", "console://"}:
        return MailConfig(backend="console")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"smtp", "smtps", "smtp+starttls"}:
        raise ConfigError(
            f"TWOSTEP_SMTP_URL: unsupported scheme {parts.scheme!r} (use smtp://host:port, "
            "smtps://host:port or console)"
        )
    if not parts.hostname:
        raise ConfigError("TWOSTEP_SMTP_URL: no host name")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("TWOSTEP_SMTP_URL: the port is not a number") from None
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    use_ssl = scheme == "smtps"
    use_tls = scheme == "smtp+starttls" or query.get("starttls") in {"1", "true", "yes"}
    return MailConfig(
        backend="smtp",
        host=parts.hostname,
        port=port or (465 if use_ssl else 587 if use_tls else 25),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
    )


def read_or_create_key_file(path: Path) -> str:
    """The key kept in ``path``; created once (mode 0600) when missing, race-free across
    processes (``O_EXCL``: the loser of a race reads the winner's key)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails if another process created it first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise ConfigError(f"{path}: the key file is empty; delete it or set TWOSTEP_SECRET_KEYS")
    return text


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def networks(value: str | None, variable: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``), each
    written as its network; raises :class:`ConfigError` naming the one that is not."""
    import ipaddress

    found: list[str] = []
    for item in _split(value):
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(
                f"{variable}: {item!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(found)


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

    keys = _split(env.get("TWOSTEP_SECRET_KEYS"))
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
    if base.scheme == "http" and base.hostname not in _LOCAL_HOSTS:
        warnings.append(
            "TWOSTEP_BASE_URL is http:// on a public name: passwords and codes would cross the "
            "network unencrypted. Put twostep behind HTTPS and use an https:// base URL."
        )
    hosts = [base.hostname, *_split(env.get("TWOSTEP_ALLOWED_HOSTS"))]
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
    metrics_on = (env.get("TWOSTEP_METRICS") or "").strip().lower()
    if metrics_on and metrics_on not in _TRUE | _FALSE:
        raise ConfigError("TWOSTEP_METRICS: expected 1 (on) or 0 (off)")
    metrics = MetricsConfig(
        enabled=metrics_on in _TRUE,
        token=(env.get("TWOSTEP_METRICS_TOKEN") or "").strip(),
        allow=networks(env.get("TWOSTEP_METRICS_ALLOW"), "TWOSTEP_METRICS_ALLOW"),
    )
    log_format = (env.get("TWOSTEP_LOG_FORMAT") or "text").strip().lower()
    if log_format not in {"text", "json"}:
        raise ConfigError("TWOSTEP_LOG_FORMAT: expected text or json")
    cookie_domain = _cookie_domain(env.get("TWOSTEP_COOKIE_DOMAIN"), base.hostname)

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

    sync, sync_domains, sync_max_bytes = _sync_settings(env)

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
        cookie_domain=cookie_domain,
    )


SYNC_MODES = ("off", "domains", "anyone")
SYNC_MAX_BYTES_CAP = 64 * 1024 * 1024


def _sync_settings(env: dict[str, str]) -> tuple[str, tuple[str, ...], int]:
    mode = (env.get("TWOSTEP_SYNC") or "off").strip().lower()
    if mode not in SYNC_MODES:
        raise ConfigError("TWOSTEP_SYNC: expected off, domains or anyone")
    domains = tuple(d.lower().lstrip("@") for d in _split(env.get("TWOSTEP_SYNC_DOMAINS")))
    if mode == "domains" and not domains:
        raise ConfigError(
            "TWOSTEP_SYNC=domains needs TWOSTEP_SYNC_DOMAINS, e.g. example.com,example.org"
        )
    if any("@" in d or "." not in d for d in domains):
        raise ConfigError("TWOSTEP_SYNC_DOMAINS: expected domain names, e.g. example.com")
    raw = (env.get("TWOSTEP_SYNC_MAX_BYTES") or "").strip()
    try:
        max_bytes = int(raw) if raw else 1024 * 1024
    except ValueError:
        raise ConfigError("TWOSTEP_SYNC_MAX_BYTES: expected a number of bytes") from None
    if not 4096 <= max_bytes <= SYNC_MAX_BYTES_CAP:
        raise ConfigError(f"TWOSTEP_SYNC_MAX_BYTES: expected 4096 to {SYNC_MAX_BYTES_CAP} bytes")
    return mode, domains, max_bytes


def _cookie_domain(value: str | None, base_host: str) -> str:
    """``TWOSTEP_COOKIE_DOMAIN``, checked: the base URL's host must be it or under it (else the
    browser drops the cookie and nobody can sign in)."""
    domain = (value or "").strip().lower().lstrip(".")
    if not domain:
        return ""
    host = base_host.lower()
    if "." not in domain or not all(part.isascii() and part for part in domain.split(".")):
        raise ConfigError(
            "TWOSTEP_COOKIE_DOMAIN: expected a parent domain such as example.com (not a single "
            "label: browsers refuse cookies for a top-level domain)"
        )
    if host != domain and not host.endswith("." + domain):
        raise ConfigError(
            f"TWOSTEP_COOKIE_DOMAIN is {domain} but the base URL's host {host} is not under it: "
            "browsers would refuse the cookie. Use a parent domain of the base URL's host."
        )
    return domain


def served_url(host: str, port: int) -> str:
    """The URL of a server listening on ``host`` and ``port``, without a trailing slash: the
    base URL when ``TWOSTEP_BASE_URL`` is not set. A server on every address (``0.0.0.0``,
    ``::``) is reached on this machine at 127.0.0.1 (elsewhere only by a name that only
    ``TWOSTEP_BASE_URL`` can give)."""
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 - a name for it, not a bind
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def served_url_problem(config: Config, host: str, port: int) -> str | None:
    """Why links in mail would not reach a server listening on ``host`` and ``port``, or None.

    Only a base URL on this machine (127.0.0.1, localhost, ::1) can be compared: a public one
    is usually a reverse proxy's, in front of whatever port twostep listens on."""
    if config.base_url_source != "TWOSTEP_BASE_URL":
        return None  # `twostep serve` uses the address it listens on
    base = urlsplit(config.base_url)
    if base.hostname not in _LOCAL_HOSTS:
        return None
    base_port = base.port or (443 if base.scheme == "https" else 80)
    if base_port == port:
        return None
    return (
        f"TWOSTEP_BASE_URL is {config.base_url} but the server listens on port {port}: links "
        f"in mail would lead to port {base_port}. Set TWOSTEP_BASE_URL to "
        f"{served_url(host, port)} (or unset it: the served address is then used)."
    )
