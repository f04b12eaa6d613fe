"""Proton Authenticator exports, plain and password-protected.

Plain: ``{"version": 1, "entries": [{"id", "content": {"uri", "entry_type", "name"}, "note"}]}``;
``entry_type`` is ``Totp`` (``uri`` an otpauth:// URI) or ``Steam`` (``uri`` is
``steam://`` + the secret in *Base64*, not Base32). ``name`` is the account name shown in the app
(the URI's label when it is missing); ``note`` is kept.

Password-protected: ``{"version": 1, "salt": B64(16 bytes), "content": B64(nonce(12) |
ciphertext+tag)}``, key = Argon2id(password, salt, 2 passes, 19 MiB, 1 lane, 32 bytes), then
AES-256-GCM with the associated data ``proton.authenticator.export.v1``; the plaintext is the
plain export. The entry ``id`` is not kept (twostep gives entries its own).
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, OtpType, Secret, parse_uri

from . import _crypto
from ._json import b64decode, entry_object, entry_str, file_list, load_json, sniff_json
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    collect_entries,
    ensure_detected,
    make_entry,
)
from .errors import DamagedFileError, PasswordRequiredError, UnsupportedFileError

__all__ = ["AAD", "FORMAT", "detect", "is_encrypted", "read"]

TITLE: Final = "a Proton Authenticator export"
AAD: Final = b"proton.authenticator.export.v1"
#: Proton's fixed key derivation parameters (nothing in the file chooses them).
ARGON2_TIME: Final = 2
ARGON2_MEMORY_KIB: Final = 19 * 1024
ARGON2_LANES: Final = 1
_ENTRY_TYPES: Final = ("Totp", "Steam")


def _is_plain(doc: Any) -> bool:
    if not isinstance(doc, dict) or "version" not in doc:
        return False
    entries = doc.get("entries")
    if not isinstance(entries, list):
        return False
    first = entries[0] if entries else None
    return first is None or (
        isinstance(first, dict)
        and isinstance(first.get("content"), dict)
        and "entry_type" in first["content"]
    )


def _is_sealed(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and set(doc) == {"version", "salt", "content"}
        and isinstance(doc["salt"], str)
        and isinstance(doc["content"], str)
    )


def is_encrypted(data: bytes) -> bool:
    return _is_sealed(sniff_json(data))


def detect(data: bytes) -> bool:
    doc = sniff_json(data)
    return _is_plain(doc) or _is_sealed(doc)


def _check_version(doc: dict[str, Any]) -> None:
    if doc.get("version") != 1:
        raise UnsupportedFileError(
            "this Proton Authenticator export has a version twostep does not know (only 1)"
        )


def _decrypt(doc: dict[str, Any], password: str) -> Any:
    salt = b64decode(doc["salt"], "salt")
    sealed = b64decode(doc["content"], "content")
    if len(salt) != 16 or len(sealed) < 12 + 16:
        raise DamagedFileError("the Proton Authenticator export is truncated or damaged")
    key = _crypto.argon2id_lanes(
        password, salt, time_cost=ARGON2_TIME, memory_kib=ARGON2_MEMORY_KIB, parallelism=1
    )
    plain = _crypto.aes_gcm_open(key, sealed[:12], sealed[12:], AAD)
    try:
        return json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DamagedFileError("the decrypted Proton Authenticator export is not JSON") from None


def _steam_secret(uri: str) -> Secret:
    encoded = uri[len("steam://") :].strip().rstrip("/")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise EntryError("uri", "the Steam secret is not Base64") from None
    if not raw:
        raise EntryError("uri", "the Steam secret is empty")
    return Secret(raw)


def _entry(item: Any) -> Entry:
    item = entry_object(item)
    content = item.get("content")
    if not isinstance(content, dict):
        raise EntryError("content", "missing")
    kind = entry_str(content, "entry_type", default="Totp")
    if kind not in _ENTRY_TYPES:
        raise EntryError("entry_type", "cannot be read: unknown entry type")
    uri = entry_str(content, "uri", required=True)
    name = entry_str(content, "name")
    if kind == "Steam" or uri.lower().startswith("steam://"):
        if not uri.lower().startswith("steam://"):
            raise EntryError("uri", "a Steam entry's uri is not steam://")
        account = Account(secret=_steam_secret(uri), type=OtpType.STEAM, issuer="Steam", name=name)
    else:
        account = parse_uri(uri)
        if name:
            account = account.replace(name=name)
    return make_entry(account, note=entry_str(item, "note"))


def _label(item: Any) -> str:
    """issuer:name, the issuer from the URI's label (never from its query, which holds the
    secret)."""
    content = item.get("content") if isinstance(item.get("content"), dict) else {}
    name, uri = str(content.get("name") or ""), content.get("uri")
    if isinstance(uri, str) and uri.lower().startswith("otpauth://"):
        label = urllib.parse.unquote(urllib.parse.urlsplit(uri).path.lstrip("/"))
        issuer, colon, account = label.partition(":")
        if colon:
            return f"{issuer.strip()}:{name or account.strip()}"
        name = name or label
    return name


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    doc = load_json(data, "Proton Authenticator")
    _check_version(doc)
    if _is_sealed(doc):
        if password is None:
            raise PasswordRequiredError(
                "this Proton Authenticator export is protected: a password is needed"
            )
        doc = _decrypt(doc, password)
        if not _is_plain(doc):
            raise DamagedFileError("the decrypted Proton Authenticator export has no entries")
        _check_version(doc)
    items = file_list(doc.get("entries"), "entries")
    entries, problems = collect_entries(items, _entry, label_of=_label, progress=progress)
    return ImportResult(tuple(entries), tuple(problems), total=len(items))


FORMAT: Final = Format(
    name="proton",
    title="Proton Authenticator",
    summary="Proton Authenticator export, plain or password-protected",
    suffix=".json",
    detect=detect,
    read=read,
    is_encrypted=is_encrypted,
)
