"""Reading the SQLite databases apps keep internally, straight from bytes and read-only.

The file is checked before SQLite sees it (header, page size, length a whole number of pages
and at least the page count the header states), so a cut copy is reported as truncated instead
of half-read. The database is opened in memory (``deserialize``) and only queried.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from .base import EntryError
from .errors import DamagedFileError

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

__all__ = ["HEADER", "columns", "open_db", "row_text", "rows", "sniff_tables"]

HEADER: Final = b"SQLite format 3\x00"


def _check(data: bytes) -> None:
    if not data.startswith(HEADER) or len(data) < 100:
        raise DamagedFileError("the file is not an SQLite database")
    page_size = int.from_bytes(data[16:18], "big")
    if page_size == 1:
        page_size = 65536
    if page_size < 512 or page_size & (page_size - 1):
        raise DamagedFileError("the SQLite database header is damaged")
    pages = int.from_bytes(data[28:32], "big")
    if len(data) % page_size or len(data) < pages * page_size:
        raise DamagedFileError("the SQLite database is truncated (copy the whole file again)")


@contextmanager
def open_db(data: bytes) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the database in ``data``; SQLite errors become DamagedFileError."""
    import sqlite3

    _check(data)
    connection = sqlite3.connect(":memory:")
    try:
        try:
            connection.deserialize(data)
            connection.execute("PRAGMA query_only = ON")
            connection.execute("PRAGMA trusted_schema = OFF")
            yield connection
        except sqlite3.DatabaseError:
            raise DamagedFileError("the SQLite database is damaged") from None
    finally:
        connection.close()


def columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')}


def rows(connection: sqlite3.Connection, table: str) -> list[dict[str, Any]]:
    # ``table`` is always a constant of the calling module, never text from the file
    cursor = connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def row_text(row: dict[str, Any], key: str) -> str:
    """A text column of a row: "" for NULL; anything else that is not text is the entry's
    error."""
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise EntryError(key, "is not text")
    return value


@functools.lru_cache(maxsize=4)
def _tables(data: bytes) -> tuple[tuple[str, frozenset[str]], ...] | None:
    import sqlite3

    try:
        with open_db(data) as connection:
            names = [
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return tuple((name, frozenset(columns(connection, name))) for name in names)
    except (DamagedFileError, sqlite3.Error):
        return None


def sniff_tables(data: bytes) -> dict[str, frozenset[str]] | None:
    """Table name -> column names, or None when ``data`` is not a readable SQLite database."""
    if not data.startswith(HEADER):
        return None
    found = _tables(data)
    return dict(found) if found is not None else None
