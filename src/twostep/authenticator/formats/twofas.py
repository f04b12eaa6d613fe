"""2FAS backups (``.2fas``), plain and encrypted (formats.md §2.4).

Parsed by fields, not by ``schemaVersion``: versions 1-4 and any later one with the same fields
are read (Aegis refused version 4 for a while; users had to edit the number down). Schema 1
files carry only issuer and account, so they are TOTP/SHA1/6/30.

Encrypted backups: ``servicesEncrypted`` and ``reference`` are ``ciphertext+tag : salt : iv`` in
Base64; key = PBKDF2-HMAC-SHA256(password, salt, 10000, 32 bytes), AES-256-GCM. ``reference`` is
a fixed text encrypted with the same key; it is opened first, so a wrong password is recognised
before the accounts are touched. (Real files hold a 256-character reference and a 256-byte salt.)
"""

from __future__ import annotations

import json
from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, Secret

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
from .errors import DamagedFileError, PasswordRequiredError

__all__ = ["FORMAT", "detect", "is_encrypted", "read"]

TITLE: Final = "a 2FAS backup"
ITERATIONS: Final = 10_000


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


FORMAT: Final = Format(
    name="2fas",
    title="2FAS",
    summary="2FAS .2fas backup, plain or encrypted, schema versions 1-4 and later",
    suffix=".2fas",
    detect=detect,
    read=read,
    is_encrypted=is_encrypted,
)
