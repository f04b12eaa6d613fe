"""Google Authenticator's internal database on Android (``databases/databases``, SQLite).

Read from a copy taken off a rooted phone (versions up to 5.10; later ones keep it encrypted
with the phone's key store). Table ``accounts``: ``email`` (the label, sometimes
"Issuer:name"), ``secret`` (Base32), ``type`` (0 TOTP, 1 HOTP), ``counter``, ``issuer``,
``original_name``. Kept: secret, type, counter, issuer and account name. Google Authenticator
makes SHA1, 6 digits, 30 s only. Rows marked ``isencrypted`` cannot be read without the phone
and are reported one by one. (The app's export QR codes are the ``google`` format.)
"""

from __future__ import annotations

from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, OtpType, Secret

from . import _sqlite
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    collect_entries,
    ensure_detected,
    make_entry,
)
from .errors import DamagedFileError

__all__ = ["FORMAT", "detect", "entry_from_row", "read"]

TITLE: Final = "Google Authenticator's internal database"
_NEEDED: Final = frozenset({"email", "secret", "type", "counter"})


def detect(data: bytes) -> bool:
    tables = _sqlite.sniff_tables(data)
    return tables is not None and tables.get("accounts", frozenset()) >= _NEEDED


def entry_from_row(row: dict[str, Any]) -> Entry:
    """One row of an ``accounts`` table of this schema (Authenticator Plus uses it too)."""
    if row.get("isencrypted"):
        raise EntryError("secret", "is encrypted with the phone's key store; export it as QR codes")
    kind = row.get("type")
    if kind not in (0, 1, None):
        raise EntryError("type", "cannot be read: unknown OTP type")
    counter = row.get("counter") or 0
    if type(counter) is not int:
        raise EntryError("counter", "is not a whole number")
    issuer = _sqlite.row_text(row, "issuer").strip()
    name = _sqlite.row_text(row, "email")
    prefix, colon, rest = name.partition(":")
    if colon and (not issuer or prefix.strip() == issuer):
        issuer, name = issuer or prefix.strip(), rest
    account = Account(
        secret=Secret.from_base32(_sqlite.row_text(row, "secret")),
        type=OtpType.HOTP if kind == 1 else OtpType.TOTP,
        issuer=issuer,
        name=name.strip(),
        counter=counter,
    )
    return make_entry(account)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    with _sqlite.open_db(data) as connection:
        rows = _sqlite.rows(connection, "accounts")
    if not isinstance(rows, list):  # pragma: no cover - rows() always returns a list
        raise DamagedFileError("the accounts table could not be read")
    entries, problems = collect_entries(
        rows, entry_from_row, label_of=lambda row: str(row.get("email") or ""), progress=progress
    )
    return ImportResult(tuple(entries), tuple(problems), total=len(rows))


FORMAT: Final = Format(
    name="google-db",
    title="Google Authenticator database",
    summary="Google Authenticator's internal SQLite database (databases/databases, Android)",
    suffix="",
    detect=detect,
    read=read,
)
