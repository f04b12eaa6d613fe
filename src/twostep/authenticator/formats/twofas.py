"""2FAS backups (``.2fas``), plain and encrypted (formats.md §2.4).

Parsed by fields, not by ``schemaVersion``: versions 1-4 and any later one with the same fields
are read (Aegis refused version 4 for a while; users had to edit the number down). Schema 1
files carry only issuer and account, so they are TOTP/SHA1/6/30.

Encrypted backups: ``servicesEncrypted`` and ``reference`` are ``ciphertext+tag : salt : iv`` in
Base64; key = PBKDF2-HMAC-SHA256(password, salt, 10000, 32 bytes), AES-256-GCM. ``reference`` is
a fixed text encrypted with the same key; it is opened first, so a wrong password is recognised
before the accounts are touched. (Real files hold a 256-character reference and a 256-byte salt.)

Export writes what the 2FAS Android app writes (``BackupContent``, schema 4): one ``services``
item per account (``name`` = issuer, ``otp.account`` = account name, ``tokenType`` TOTP, HOTP or
STEAM, a label icon), ``groups`` from each entry's first group, null fields left out as the app's
JSON settings do. Encrypted: ``services`` is empty, ``servicesEncrypted`` and ``reference`` (the
app's fixed text) are sealed with one key from a new 256-byte salt and each its own 12-byte IV.
2FAS has no note, favourite or image, and only one group per account; accounts it cannot hold
(9 or 10 digits: it makes codes of 5 to 8; an HOTP counter above 2**31 - 1) are refused by name.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Sequence
from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, OtpType, Secret

from . import _crypto
from ._json import (
    b64decode,
    entry_int,
    entry_object,
    entry_str,
    file_list,
    file_object,
    list_or_empty,
    load_json,
    sniff_json,
)
from ._otp import parse_algorithm, parse_type
from .base import Format, ImportResult, Progress, collect_entries, ensure_detected, make_entry
from .errors import DamagedFileError, ExportRefusedError, PasswordRequiredError

__all__ = ["FORMAT", "REFERENCE", "can_hold", "detect", "is_encrypted", "read", "write"]

TITLE: Final = "a 2FAS backup"
ITERATIONS: Final = 10_000
SCHEMA_VERSION: Final = 4
SALT_SIZE: Final = 256
#: The text 2FAS encrypts as ``reference`` to check a password (``BackupContent.Reference``).
REFERENCE: Final = (
    "tRViSsLKzd86Hprh4ceC2OP7xazn4rrt4xhfEUbOjxLX8Rc3mkISXE0lWbmnWfggogbBJhtYgpK6fMl1D6mtsy92"
    "R3HkdGfwuXbzLebqVFJsR7IZ2w58t938iymwG4824igYy1wi6n2WDpO1Q1P69zwJGs2F5a1qP4MyIiDSD7NCV2Ov"
    "idXQCBnDlGfmz0f1BQySRkkt4ryiJeCjD2o4QsveJ9uDBUn8ELyOrESv5R5DMDkD4iAF8TXU7KyoJujd"
)
#: 2FAS's default icon collection, shown with a label icon for services it has no brand for.
_DEFAULT_ICON_COLLECTION: Final = "a5b3fb65-4ec5-43e6-8ec1-49e24ca9e7ad"
_MAX_COUNTER: Final = 2**31 - 1  # a Kotlin Int


def detect(data: bytes) -> bool:
    doc = sniff_json(data)
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("services"), list)
        and ("schemaVersion" in doc or "servicesEncrypted" in doc)
    )


def is_encrypted(data: bytes) -> bool:
    doc = sniff_json(data)
    return detect(data) and bool(doc.get("servicesEncrypted"))


def _split(value: Any, where: str) -> tuple[bytes, bytes, bytes]:
    if not isinstance(value, str) or value.count(":") != 2:
        raise DamagedFileError(f"{where} is not ciphertext:salt:iv")
    sealed, salt, iv = (b64decode(part, where) for part in value.split(":"))
    if len(iv) != 12 or len(sealed) < 16 or not salt:
        raise DamagedFileError(f"{where} is truncated or damaged")
    return sealed, salt, iv


def decrypt_services(doc: dict[str, Any], password: str) -> list[Any]:
    sealed, salt, iv = _split(doc.get("servicesEncrypted"), "servicesEncrypted")
    key = _crypto.pbkdf2(password, salt, ITERATIONS, "sha256")
    reference = doc.get("reference")
    if reference is not None:
        ref_sealed, ref_salt, ref_iv = _split(reference, "reference")
        ref_key = (
            key if ref_salt == salt else _crypto.pbkdf2(password, ref_salt, ITERATIONS, "sha256")
        )
        _crypto.aes_gcm_open(ref_key, ref_iv, ref_sealed)  # raises WrongPasswordError
    plain = _crypto.aes_gcm_open(key, iv, sealed)
    try:
        services = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DamagedFileError("the decrypted 2FAS services are not JSON") from None
    return file_list(services, "the decrypted services")


def _entry(item: Any, group_names: dict[str, str]) -> Entry:
    item = entry_object(item)
    otp = item.get("otp") or {}
    if not isinstance(otp, dict):
        otp = {}
    label_issuer, colon, label_name = entry_str(otp, "label").partition(":")
    if not colon:
        label_issuer, label_name = "", label_issuer
    issuer = entry_str(item, "name") or entry_str(otp, "issuer") or label_issuer
    account = Account(
        secret=Secret.from_base32(entry_str(item, "secret", required=True)),
        type=parse_type(otp.get("tokenType")),
        issuer=issuer,
        name=entry_str(otp, "account") or label_name.strip(),
        algorithm=parse_algorithm(otp.get("algorithm")),
        digits=entry_int(otp, "digits", 6),  # type: ignore[arg-type]
        period=entry_int(otp, "period", 30),  # type: ignore[arg-type]
        counter=entry_int(otp, "counter", 0),  # type: ignore[arg-type]
    )
    group_id = item.get("groupId")
    groups = (
        [group_names[group_id]] if isinstance(group_id, str) and group_id in group_names else []
    )
    return make_entry(account, groups=groups)


def _label(item: Any) -> str:
    otp = item.get("otp") if isinstance(item.get("otp"), dict) else {}
    issuer, name = item.get("name") or "", otp.get("account") or ""
    return f"{issuer}:{name}" if issuer else str(name)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    doc = file_object(load_json(data, "2FAS"), "the file")
    if doc.get("servicesEncrypted"):
        if password is None:
            raise PasswordRequiredError("this 2FAS backup is encrypted: a password is needed")
        services = decrypt_services(doc, password)
    else:
        services = file_list(doc.get("services"), "services")
    group_names: dict[str, str] = {}
    for group in list_or_empty(doc.get("groups")):
        if (
            isinstance(group, dict)
            and isinstance(group.get("id"), str)
            and isinstance(group.get("name"), str)
        ):
            group_names[group["id"]] = group["name"]
    entries, problems = collect_entries(
        services, lambda item: _entry(item, group_names), label_of=_label, progress=progress
    )
    return ImportResult(tuple(entries), tuple(problems), total=len(services))


# -- export -------------------------------------------------------------------------------------
def can_hold(entry: Entry) -> bool:
    """Whether 2FAS can make this entry's codes (5 to 8 digits, an Int HOTP counter)."""
    account = entry.account
    return account.digits <= 8 and account.counter <= _MAX_COUNTER


def _service(entry: Entry, position: int, group_id: str | None, now: int) -> dict[str, Any]:
    account = entry.account
    name = account.issuer or account.name
    otp: dict[str, Any] = {
        "label": account.name,
        "account": account.name,
        "issuer": account.issuer or None,
        "digits": account.digits,
        "period": account.period,
        "algorithm": account.algorithm.value,
        "counter": account.counter if account.type is OtpType.HOTP else None,
        "tokenType": account.type.value.upper(),
        "source": "Manual",
    }
    service: dict[str, Any] = {
        "name": name,
        "secret": account.secret.base32,
        "updatedAt": now,
        "otp": {key: value for key, value in otp.items() if value is not None},
        "order": {"position": position},
        "icon": {
            "selected": "Label",
            "label": {"text": name[:2].upper(), "backgroundColor": "LightBlue"},
            "iconCollection": {"id": _DEFAULT_ICON_COLLECTION},
        },
    }
    if group_id is not None:
        service["groupId"] = group_id
    return service


def _seal(key: bytes, salt: bytes, plain: str) -> str:
    iv = secrets.token_bytes(12)
    sealed = _crypto.aes_gcm_seal(key, iv, plain.encode("utf-8"))
    return ":".join(base64.b64encode(part).decode("ascii") for part in (sealed, salt, iv))


def write(entries: Sequence[Entry], password: str | None = None) -> list[bytes]:
    """A ``.2fas`` backup as the 2FAS app writes it: plain, or encrypted with ``password``."""
    refused = [entry.label or "(unnamed)" for entry in entries if not can_hold(entry)]
    if refused:
        raise ExportRefusedError(
            "2FAS cannot hold these accounts (it makes codes of 5 to 8 digits, and HOTP "
            f"counters up to 2**31 - 1): {', '.join(refused)}"
        )
    now = int(time.time() * 1000)
    group_ids: dict[str, str] = {}
    for entry in entries:
        if entry.groups:
            group_ids.setdefault(entry.groups[0], str(uuid.uuid4()))
    services = [
        _service(entry, position, group_ids[entry.groups[0]] if entry.groups else None, now)
        for position, entry in enumerate(entries)
    ]
    doc: dict[str, Any] = {
        "services": services,
        "groups": [
            {"id": gid, "name": name, "isExpanded": True, "updatedAt": now}
            for name, gid in group_ids.items()
        ],
        "updatedAt": now,
        "schemaVersion": SCHEMA_VERSION,
        "appVersionCode": 0,
        "appVersionName": "",
        "appOrigin": "android",
    }
    if password is not None:
        salt = secrets.token_bytes(SALT_SIZE)
        key = _crypto.pbkdf2(password, salt, ITERATIONS, "sha256")
        plain = json.dumps(services, ensure_ascii=False, separators=(",", ":"))
        doc["services"] = []
        doc["servicesEncrypted"] = _seal(key, salt, plain)
        doc["reference"] = _seal(key, salt, REFERENCE)
    return [json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")]


FORMAT: Final = Format(
    name="2fas",
    title="2FAS",
    summary="2FAS .2fas backup, plain or encrypted, schema versions 1-4 and later; "
    "exports schema 4 (one group per account)",
    suffix=".2fas",
    detect=detect,
    read=read,
    write=write,
    encryption="optional",
    is_encrypted=is_encrypted,
    can_hold=can_hold,
)
