"""The database's schema, migrated under a lock that every ``twostep`` process takes.

Two ``twostep serve`` started on one fresh database, or ``twostep createuser`` run while
``serve`` is still migrating, must not race: ``migrated()`` holds the migration lock while it
checks the schema and migrates what is missing, so the second process waits for the first
and then finds nothing left to do. The lock is a PostgreSQL advisory lock (session-level, on
Django's connection) or, for SQLite, ``flock`` on ``<database file>.migrate-lock`` beside it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

__all__ = ["MIGRATE_LOCK_KEY", "migrated", "migration_lock"]

#: the advisory lock's key: the first 8 bytes of SHA-256("twostep migrate"), signed
MIGRATE_LOCK_KEY: Final = -0x5DC3_EB7F_37DD_80D7

_WAITING: Final = "Waiting for another twostep process to finish migrating the database..."


@contextlib.contextmanager
def migration_lock() -> Iterator[None]:
    """Held by one process at a time (another waits, and says so on stderr)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
            row = cursor.fetchone()
            if not (row and row[0]):
                print(_WAITING, file=sys.stderr, flush=True)
                cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK_KEY])
        return
    with _file_lock(str(connection.settings_dict["NAME"])):
        yield


@contextlib.contextmanager
def _file_lock(database: str) -> Iterator[None]:
    if not database or database == ":memory:" or database.startswith("file:"):
        yield  # nothing another process could share
        return
    import fcntl

    path = Path(database + ".migrate-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(_WAITING, file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pending() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def migrated(*, verbosity: int = 0, static: bool = False, quiet: bool = False) -> None:
    """Apply the migrations the database lacks (and collect the static files with ``static``),
    under the lock. Cheap when there is nothing to do. Unless ``quiet`` (or ``verbosity``
    reports it anyway), says on stderr that it migrates."""
    from django.core.management import call_command

    with migration_lock():
        if verbosity or _pending():
            if not quiet and verbosity == 0:
                print("Migrating the database...", file=sys.stderr, flush=True)
            call_command("migrate", interactive=False, verbosity=verbosity)
        if static:
            call_command("collectstatic", interactive=False, verbosity=0)
