"""Microsoft Authenticator's internal database on Android (``databases/PhoneFactor``, SQLite).

Read from a copy taken off a rooted phone. Table ``accounts``, one row per account:
``name`` (the issuer), ``username``, ``oath_secret_key``, ``account_type`` and
``ux_position`` (the order in the app). By ``account_type``:

- 0, third-party accounts: Base32 secret, TOTP SHA1 6 digits 30 s;
- 1, personal Microsoft accounts: Base64 secret, TOTP SHA1 8 digits 30 s.

Other types (work or school accounts signing in by push) have no code secret twostep can use;
they are counted in a note. Rows whose secret is only in ``encrypted_oath_secret_key`` (newer
versions) are reported: that key stays in the phone's key store. Kept: secret, digits,
issuer, account name, order. Not kept: Microsoft's push-login and cloud-backup fields.
"""

from __future__ import annotations

from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, Secret

from . import _sqlite
from ._json import entry_b64decode
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    collect_entries,
    ensure_detected,
    make_entry,
)

__all__ = ["FORMAT", "detect", "read"]

TITLE: Final = "Microsoft Authenticator's internal database (PhoneFactor)"
_NEEDED: Final = frozenset({"name", "username", "oath_secret_key", "account_type"})
TYPE_TOTP: Final = 0
TYPE_MICROSOFT: Final = 1


def detect(data: bytes) -> bool:
    tables = _sqlite.sniff_tables(data)
    return tables is not None and tables.get("accounts", frozenset()) >= _NEEDED


def _entry(row: dict[str, Any]) -> Entry | None:
    kind = row.get("account_type")
    if kind not in (TYPE_TOTP, TYPE_MICROSOFT):
        return None
    secret_text = _sqlite.row_text(row, "oath_secret_key")
    if not secret_text:
        if _sqlite.row_text(row, "encrypted_oath_secret_key"):
            raise EntryError("secret", "is encrypted with the phone's key store")
        raise EntryError("secret", "missing")
    if kind == TYPE_TOTP:
        secret, digits = Secret.from_base32(secret_text), 6
    else:
        secret, digits = Secret(entry_b64decode(secret_text, "secret")), 8
    account = Account(
        secret=secret,
        issuer=_sqlite.row_text(row, "name").strip().replace(":", " "),
        name=_sqlite.row_text(row, "username"),
        digits=digits,
    )
    return make_entry(account)


def _position(row: dict[str, Any]) -> int:
    value = row.get("ux_position")
    return value if type(value) is int else 0


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    with _sqlite.open_db(data) as connection:
        rows = sorted(_sqlite.rows(connection, "accounts"), key=_position)
    entries, problems = collect_entries(
        rows,
        _entry,
        label_of=lambda row: f"{row.get('name') or ''}:{row.get('username') or ''}",
        progress=progress,
    )
    skipped = len(rows) - len(entries) - len(problems)
    what = "account signs" if skipped == 1 else "accounts sign"
    notes = (
        (f"{skipped} work or school {what} in by push, without codes; left out",) if skipped else ()
    )
    return ImportResult(tuple(entries), tuple(problems), total=len(rows), notes=notes)


FORMAT: Final = Format(
    name="microsoft",
    title="Microsoft Authenticator database",
    summary="Microsoft Authenticator's internal SQLite database (PhoneFactor, Android)",
    suffix="",
    detect=detect,
    read=read,
)
