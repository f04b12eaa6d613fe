"""Where the data and the mail go: ``TWOSTEP_DATABASE_URL`` and ``TWOSTEP_SMTP_URL`` parsed
into what Django's settings need."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .values import FALSE, TRUE, ConfigError

__all__ = [
    "SQLITE_FILE_NAME",
    "DatabaseConfig",
    "MailConfig",
    "database_from_url",
    "mail_from_url",
]

SQLITE_FILE_NAME = "twostep.sqlite3"


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
        if binding not in TRUE | FALSE:
            raise ConfigError(
                f"TWOSTEP_DATABASE_URL: server_side_binding is true or false, not {binding!r}"
            )
        options["server_side_binding"] = "true" if binding in TRUE else "false"
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
