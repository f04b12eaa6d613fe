"""Is the server ready to answer, and was an error the database being unavailable?

- ``database_trouble(exc)``: ``"unavailable"`` when a database error means the database cannot
  be reached or used right now (down, restarting, renamed or dropped, refusing connections, too
  many connections, SQLite's file locked beyond the busy timeout); ``"conflict"`` for a
  concurrent transaction that PostgreSQL rolled back (deadlock, serialisation failure); None
  for any other error (a bug: it stays a 500).
- ``readiness() -> list[str]``: what is not ready, in words (empty: ready): the database
  answers ``SELECT 1`` and is migrated as far as this code; Redis answers when
  ``TWOSTEP_REDIS_URL`` is set. ``/readyz`` answers 503 with these reasons.

The pages (``web.views.errors.server_error``) and the API (``api.errors``) answer
``"unavailable"`` with 503 and ``Retry-After: RETRY_AFTER``.
"""

from __future__ import annotations

import sqlite3
from typing import Final, Literal

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection

__all__ = ["RETRY_AFTER", "database_trouble", "readiness"]

#: seconds a client should wait before trying again while the database is unavailable
RETRY_AFTER: Final = 10

# PostgreSQL's SQLSTATE classes and codes that mean "not now" rather than "wrong": connection
# exceptions (08), insufficient resources (53: too many connections, disk full), operator
# intervention (57: shutting down, terminated, cannot connect now), the database does not exist
# (3D000: dropped or renamed), a lock not available (55P03).
_UNAVAILABLE_CLASSES: Final = ("08", "53", "57")
_UNAVAILABLE_STATES: Final = ("3D000", "55P03")
_SQLITE_UNAVAILABLE: Final = ("locked", "busy", "unable to open", "disk i/o", "readonly")


def database_trouble(exc: BaseException) -> Literal["unavailable", "conflict"] | None:
    if not isinstance(exc, DatabaseError):
        return None
    cause = exc.__cause__
    if isinstance(cause, sqlite3.Error) or (cause is None and "sqlite" in _vendor()):
        text = str(exc).lower()
        if isinstance(exc, OperationalError) and any(w in text for w in _SQLITE_UNAVAILABLE):
            return "unavailable"
        return None
    state = getattr(cause, "sqlstate", None)
    if isinstance(state, str) and state:
        if state.startswith("40"):  # transaction rollback: deadlock, serialization failure
            return "conflict"
        if state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_STATES:
            return "unavailable"
        return None
    # No SQLSTATE: the client library failed to connect, or lost the connection.
    if isinstance(exc, OperationalError | InterfaceError):
        return "unavailable"
    return None


def _vendor() -> str:
    return str(connection.vendor)


def readiness() -> list[str]:
    """Why the server is not ready (empty when it is)."""
    problems: list[str] = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        if _unapplied_migrations():
            problems.append("database: not migrated (run twostep migrate)")
    except DatabaseError as exc:
        problems.append(f"database: {_reason(exc)}")
        if not connection.in_atomic_block:
            connection.close()  # the next request connects again
    redis_url = getattr(settings, "TWOSTEP_REDIS_URL", None)
    if redis_url:
        try:
            import redis

            client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
            try:
                client.ping()
            finally:
                client.close()
        except Exception as exc:  # redis's errors, OSError
            problems.append(f"redis: {type(exc).__name__}")
    return problems


_migrated: set[str] = set()  # the databases found migrated (checked until they are)


def _unapplied_migrations() -> bool:
    """True while the code has migrations the database lacks."""
    if connection.alias in _migrated:
        return False
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return True
    _migrated.add(connection.alias)
    return False


def _reason(exc: DatabaseError) -> str:
    """Words for the error without the server's details (no host names or user names)."""
    trouble = database_trouble(exc)
    if trouble == "unavailable":
        return "unavailable"
    return type(exc).__name__
