"""Authenticator Plus (Mobiquity): its password-protected export zip and its backup database.

- Export: a zip protected with the export password (ZipCrypto) holding ``Accounts.txt``, one
  ``otpauth://`` URI per account (read like the ``otpauth`` format, every field of the URI).
- Backup: ``authplus.db``, an SQLCipher 3 database (PBKDF2-HMAC-SHA1 64,000 rounds, 1 KiB
  pages) encrypted with the master password, with Google Authenticator's ``accounts`` table
  (``email``, ``secret``, ``type``, ``counter``, ``issuer``). Accepted zipped (the zip may
  itself be password-protected with the same password); a bare ``authplus.db`` has no header
  that could tell it from random bytes, so zip it first. Reading it needs the optional
  SQLCipher binding: ``pip install 'twostep[sqlcipher]'`` (``sqlcipher3-binary``).

A wrong password and a changed file give the same error, whichever part holds the accounts.
"""

from __future__ import annotations

import os
from pathlib import PurePosixPath
from typing import Any, Final

from ._cbc import wrong
from ._json import decode_text
from ._zip import is_encrypted as member_is_encrypted
from ._zip import member_names, open_zip, read_member
from .base import Format, ImportResult, Progress, collect_entries, ensure_detected
from .errors import DamagedFileError, PasswordRequiredError, UnsupportedFileError
from .google_db import entry_from_row
from .otpauth_list import read_lines

__all__ = ["FORMAT", "detect", "is_encrypted", "read"]

TITLE: Final = "an Authenticator Plus export (zip) or backup (authplus.db, zipped)"
EXPORT_MEMBER: Final = "Accounts.txt"
BACKUP_MEMBER: Final = "authplus.db"
SQLCIPHER_PAGE: Final = 1024
MISSING_BINDING: Final = (
    "this Authenticator Plus backup is an SQLCipher database, and the SQLCipher binding is not "
    "installed: pip install 'twostep[sqlcipher]' (sqlcipher3-binary), or export Accounts.txt "
    "from Authenticator Plus instead"
)


def _member(names: list[str] | None) -> str | None:
    for wanted in (EXPORT_MEMBER, BACKUP_MEMBER):
        for name in names or ():
            if PurePosixPath(name).name == wanted:
                return name
    return None


def detect(data: bytes) -> bool:
    return _member(member_names(data)) is not None


def is_encrypted(data: bytes) -> bool:
    name = _member(member_names(data))
    if name is None:
        return False
    if PurePosixPath(name).name == BACKUP_MEMBER:
        return True
    with open_zip(data) as archive:
        return member_is_encrypted(archive.getinfo(name))


def _sqlcipher_rows(database: bytes, password: str) -> list[dict[str, Any]]:
    try:
        import sqlcipher3
    except ImportError:
        raise UnsupportedFileError(MISSING_BINDING) from None
    if not database or len(database) % SQLCIPHER_PAGE:
        raise DamagedFileError("authplus.db is truncated (not whole 1 KiB pages)")
    if "\0" in password:
        raise wrong()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="twostep-authplus-") as directory:
        path = os.path.join(directory, BACKUP_MEMBER)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as file:
            file.write(database)
        connection = sqlcipher3.connect(path)
        try:
            quoted = password.replace("'", "''")
            connection.execute(f"PRAGMA key = '{quoted}'")
            connection.execute("PRAGMA cipher_compatibility = 3")
            try:
                tables = {
                    row[0]
                    for row in connection.execute(
                        "SELECT name FROM sqlite_master WHERE type='table'"
                    )
                }
            except sqlcipher3.DatabaseError:  # "file is not a database": key or HMAC wrong
                raise wrong() from None
            if "accounts" not in tables:
                raise DamagedFileError("authplus.db has no accounts table")
            try:
                cursor = connection.execute("SELECT * FROM accounts")
                names = [d[0] for d in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            except sqlcipher3.DatabaseError:
                raise wrong() from None
        finally:
            connection.close()


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    name = _member(member_names(data))
    assert name is not None
    with open_zip(data) as archive:
        info = archive.getinfo(name)
        content = read_member(archive, info, password)
    if PurePosixPath(name).name == EXPORT_MEMBER:
        text = decode_text(content)
        if text is None:
            raise DamagedFileError("Accounts.txt is not UTF-8 text (damaged?)")
        lines = [
            (number, line.strip())
            for number, line in enumerate(text.splitlines(), 1)
            if line.strip()
        ]
        return read_lines(lines, progress=progress)
    if password is None:
        raise PasswordRequiredError(
            "this Authenticator Plus backup is encrypted: the master password is needed"
        )
    rows = _sqlcipher_rows(content, password)
    entries, problems = collect_entries(
        rows, entry_from_row, label_of=lambda row: str(row.get("email") or ""), progress=progress
    )
    return ImportResult(tuple(entries), tuple(problems), total=len(rows))


FORMAT: Final = Format(
    name="authplus",
    title="Authenticator Plus",
    summary="Authenticator Plus export zip (Accounts.txt) or zipped authplus.db (SQLCipher)",
    suffix=".zip",
    detect=detect,
    read=read,
    is_encrypted=is_encrypted,
)
