"""Stratum (formerly Authenticator Pro) backups and its internal database.

Four forms, told apart by what the file holds:

- plain backup: JSON ``{"Authenticators": [...], "Categories": [...],
  "AuthenticatorCategories": [...], "CustomIcons": [...]}``;
- encrypted backup: ``AUTHENTICATORPRO | salt(16) | iv(12) | ciphertext+tag``, key =
  Argon2id(password, salt, 3 passes, 64 MiB, 4 lanes, 32 bytes), AES-256-GCM;
- legacy encrypted backup: ``AuthenticatorPro | salt(20) | iv(16) | ciphertext``, key =
  PBKDF2-HMAC-SHA1(password, salt, 64000, 32 bytes), AES-256-CBC with PKCS#7 padding (no tag, so
  a wrong password and an altered file both end as "wrong password");
- the app's own SQLite database ``authenticator.db3`` (tables ``authenticator``, ``category``,
  ``authenticatorcategory``, ``customicon``), in its plain form. A database the app encrypted
  with SQLCipher has no SQLite header and cannot be read: make a backup in the app instead.

Each authenticator has ``Type`` (1 HOTP, 2 TOTP, 3 mOTP, 4 Steam, 5 Yandex; mOTP and Yandex are
reported as unsupported), ``Issuer``, ``Username``, ``Secret`` (Base32), ``Algorithm`` (0 SHA1,
1 SHA256, 2 SHA512), ``Digits``, ``Period`` and ``Counter``. Categories become groups (bound by
the authenticator's secret), and a custom icon (``Icon`` = ``@`` + a ``CustomIcons`` id, Base64
image data) becomes the entry's icon. Built-in icon names, ``Ranking``, ``CopyCount`` and
mOTP's ``Pin`` are not kept; entries are imported in file order.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any, Final

from twostep.authenticator.entry import Entry, Icon
from twostep.otp import Account, OtpType, Secret

from . import _crypto
from ._json import b64decode, entry_int, entry_object, entry_str, list_or_empty, sniff_json
from ._otp import parse_algorithm, parse_type
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    collect_entries,
    ensure_detected,
    make_entry,
    sniff_image_mime,
)
from .errors import DamagedFileError, PasswordRequiredError, WrongPasswordError

__all__ = ["FORMAT", "detect", "is_encrypted", "read"]

TITLE: Final = "a Stratum / Authenticator Pro backup"
HEADER: Final = b"AUTHENTICATORPRO"
HEADER_LEGACY: Final = b"AuthenticatorPro"
SQLITE_HEADER: Final = b"SQLite format 3\x00"
#: The app's fixed key derivation parameters (nothing in the file chooses them).
ARGON2_TIME: Final = 3
ARGON2_MEMORY_KIB: Final = 64 * 1024
ARGON2_LANES: Final = 4
LEGACY_ITERATIONS: Final = 64_000
_TYPES: Final = {1: "hotp", 2: "totp", 3: "motp", 4: "steam", 5: "yandex"}
_ALGORITHMS: Final = ("SHA1", "SHA256", "SHA512")
_SCHEMA: Final = re.compile(rb"CREATE TABLE\s+[\"'`\[]?authenticator[\"'`\]]?\s*\(", re.IGNORECASE)
_WRONG: Final = "wrong password, or the file was altered"


def _page_size(data: bytes) -> int:
    size = int.from_bytes(data[16:18], "big")
    return 65536 if size == 1 else max(size, 512)


def _is_database(data: bytes) -> bool:
    """An SQLite file whose schema (on its first page) creates the ``authenticator`` table."""
    return data.startswith(SQLITE_HEADER) and bool(_SCHEMA.search(data[: _page_size(data)]))


def _is_json(data: bytes) -> bool:
    doc = sniff_json(data)
    return isinstance(doc, dict) and isinstance(doc.get("Authenticators"), list)


def _has_header(data: bytes) -> bool:
    return data.startswith((HEADER, HEADER_LEGACY))


def is_encrypted(data: bytes) -> bool:
    """An encrypted backup long enough to hold its salt, IV and one block (a shorter one is
    reported as truncated before any password is asked)."""
    if data.startswith(HEADER):
        return len(data) >= 16 + 16 + 12 + 16
    return data.startswith(HEADER_LEGACY) and len(data) >= 16 + 20 + 16 + 16


def detect(data: bytes) -> bool:
    return _has_header(data) or _is_database(data) or _is_json(data)


# -- decryption -------------------------------------------------------------------------------
def _decrypt(data: bytes, password: str) -> dict[str, Any]:
    if data.startswith(HEADER):
        salt, iv, sealed = data[16:32], data[32:44], data[44:]
        if len(salt) != 16 or len(iv) != 12 or len(sealed) < 16:
            raise DamagedFileError("the encrypted Stratum backup is truncated")
        key = _crypto.argon2id_lanes(
            password,
            salt,
            time_cost=ARGON2_TIME,
            memory_kib=ARGON2_MEMORY_KIB,
            parallelism=ARGON2_LANES,
        )
        plain = _crypto.aes_gcm_open(key, iv, sealed)
        authenticated = True
    else:
        salt, iv, sealed = data[16:36], data[36:52], data[52:]
        if len(iv) != 16 or not sealed or len(sealed) % 16:
            raise DamagedFileError("the encrypted Authenticator Pro backup is truncated")
        key = _crypto.pbkdf2(password, salt, LEGACY_ITERATIONS, "sha1")
        plain = _crypto.aes_cbc_open(key, iv, sealed)
        authenticated = False
    try:
        doc = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        if not authenticated:  # CBC has no tag: garbage means a wrong key or altered data
            raise WrongPasswordError(_WRONG) from None
        raise DamagedFileError("the decrypted Stratum backup is not JSON") from None
    if not isinstance(doc, dict):
        if not authenticated:
            raise WrongPasswordError(_WRONG)
        raise DamagedFileError("the decrypted Stratum backup is not a JSON object")
    return doc


# -- the internal database --------------------------------------------------------------------
def _rows(db: sqlite3.Connection, table: str, columns: dict[str, str]) -> list[dict[str, Any]]:
    """Rows of ``table`` as JSON-backup-shaped dicts (column -> backup key)."""
    present = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
    if not present:
        return []
    wanted = [c for c in columns if c in present]
    if not wanted:
        return []
    select = ", ".join(f'"{c}"' for c in wanted)
    return [
        {columns[c]: value for c, value in zip(wanted, row, strict=True)}
        # the table and column names are twostep's own constants, never the file's
        for row in db.execute(f'SELECT {select} FROM "{table}" ORDER BY rowid')  # noqa: S608
    ]


def _read_database(data: bytes) -> dict[str, Any]:
    if data[18:20] == b"\x02\x02":  # WAL mode: an in-memory copy must be a rollback database
        data = data[:18] + b"\x01\x01" + data[20:]
    db = sqlite3.connect(":memory:")
    try:
        db.deserialize(data)
        db.execute("PRAGMA trusted_schema = OFF")  # SQLite's advice for untrusted files
        db.execute("PRAGMA cell_size_check = ON")
        db.execute("PRAGMA query_only = ON")
        if db.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise DamagedFileError("the Stratum database is damaged (truncated?)")
        auth_columns = (
            *("type", "icon", "issuer", "username", "secret", "pin"),
            *("algorithm", "digits", "period", "counter", "ranking"),
        )
        doc: dict[str, Any] = {
            "Authenticators": _rows(db, "authenticator", {c: c.capitalize() for c in auth_columns}),
            "Categories": _rows(db, "category", {"id": "Id", "name": "Name"}),
            "AuthenticatorCategories": _rows(
                db,
                "authenticatorcategory",
                {"categoryId": "CategoryId", "authenticatorSecret": "AuthenticatorSecret"},
            ),
            "CustomIcons": _rows(db, "customicon", {"id": "Id", "data": "Data"}),
        }
    except (sqlite3.Error, UnicodeDecodeError):  # the app writes UTF-8 text only
        raise DamagedFileError("the Stratum database is damaged (truncated?)") from None
    finally:
        db.close()
    return doc


# -- entries ----------------------------------------------------------------------------------
def _icon_table(doc: dict[str, Any]) -> dict[str, Icon]:
    icons: dict[str, Icon] = {}
    for item in list_or_empty(doc.get("CustomIcons")):
        if not isinstance(item, dict) or not isinstance(item.get("Id"), str):
            continue
        raw = item.get("Data")
        try:
            data = raw if isinstance(raw, bytes) else b64decode(raw, "a custom icon")
        except DamagedFileError:
            continue
        mime = sniff_image_mime(data)
        if mime is not None:
            icons[item["Id"]] = Icon(mime, data)
    return icons


def _groups_by_secret(doc: dict[str, Any]) -> dict[str, list[str]]:
    names = {
        c["Id"]: c["Name"]
        for c in list_or_empty(doc.get("Categories"))
        if isinstance(c, dict) and isinstance(c.get("Id"), str) and isinstance(c.get("Name"), str)
    }
    groups: dict[str, list[str]] = {}
    for binding in list_or_empty(doc.get("AuthenticatorCategories")):
        if not isinstance(binding, dict):
            continue
        secret, category = binding.get("AuthenticatorSecret"), binding.get("CategoryId")
        if isinstance(secret, str) and isinstance(category, str) and category in names:
            groups.setdefault(secret, []).append(names[category])
    return groups


def _entry(item: Any, groups: dict[str, list[str]], icons: dict[str, Icon]) -> Entry:
    item = entry_object(item)
    code = entry_int(item, "Type", 2)
    if code not in _TYPES:
        raise EntryError("type", "cannot be read: unknown OTP type (twostep has TOTP, HOTP, Steam)")
    kind = parse_type(_TYPES[code])
    algorithm = entry_int(item, "Algorithm", 0)
    if algorithm is None or not 0 <= algorithm < len(_ALGORITHMS):
        raise EntryError("algorithm", "cannot be read: unknown algorithm")
    secret_text = entry_str(item, "Secret", required=True)
    account = Account(
        secret=Secret.from_base32(secret_text),
        type=kind,
        issuer=entry_str(item, "Issuer"),
        name=entry_str(item, "Username"),
        algorithm=parse_algorithm(_ALGORITHMS[algorithm]),
        digits=entry_int(item, "Digits", 6),  # type: ignore[arg-type]
        period=entry_int(item, "Period", 30),  # type: ignore[arg-type]
        counter=entry_int(item, "Counter", 0) if kind is OtpType.HOTP else 0,  # type: ignore[arg-type]
    )
    icon_name = entry_str(item, "Icon")
    icon = icons.get(icon_name[1:]) if icon_name.startswith("@") else None
    return make_entry(account, groups=groups.get(secret_text, ()), icon=icon)


def _label(item: Any) -> str:
    issuer, name = item.get("Issuer") or "", item.get("Username") or ""
    return f"{issuer}:{name}" if issuer else str(name)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    if _has_header(data):
        if not is_encrypted(data):
            raise DamagedFileError("the encrypted Stratum backup is truncated")
        if password is None:
            raise PasswordRequiredError("this Stratum backup is encrypted: a password is needed")
        doc = _decrypt(data, password)
    elif _is_database(data):
        doc = _read_database(data)
    else:
        doc = sniff_json(data)
    items = doc.get("Authenticators")
    if not isinstance(items, list):
        raise DamagedFileError("Authenticators is not a list")
    groups, icons = _groups_by_secret(doc), _icon_table(doc)
    entries, problems = collect_entries(
        items, lambda item: _entry(item, groups, icons), label_of=_label, progress=progress
    )
    return ImportResult(tuple(entries), tuple(problems), total=len(items))


FORMAT: Final = Format(
    name="stratum",
    title="Stratum / Authenticator Pro",
    summary="Stratum (Authenticator Pro) backup, plain or encrypted (current and legacy), "
    "or its authenticator.db3 database",
    suffix=".authpro",
    detect=detect,
    read=read,
    is_encrypted=is_encrypted,
)
