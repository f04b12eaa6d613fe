"""TOTP Authenticator (Binary Boone, Android): its backup file and its internal preferences.

- Backup (``*.encrypt``): Base64 text of AES-256-CBC (zero IV, PKCS#7) with key =
  SHA-256(password); the app uses the password "TotpAuthenticator" when the user set none, so
  that one is tried first and no password is asked for such files. The plaintext is a JSON
  object whose first *key* is the account list (JSON text) and whose value is a timestamp.
- Internal storage (``shared_prefs/TOTP_Authenticator_Preferences.xml``): the same list in the
  preference ``STATIC_TOTP_CODES_LIST``.

Each account has ``key`` in the encoding ``base`` says (16, 32 or 64), ``issuer``, ``name``,
``digits`` and ``period`` (as text) and ``isFavorite``; all are kept. TOTP with SHA1 is all the
app makes. Not kept: icons (``iconPath``, ``iconLabel``), widget and notification settings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, Secret

from ._android_prefs import sniff_prefs
from ._cbc import aes_cbc_open, wrong
from ._json import (
    decode_prefix,
    decode_text,
    entry_bool,
    entry_int,
    entry_object,
    entry_str,
    file_list,
)
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    collect_entries,
    ensure_detected,
    make_entry,
)
from .errors import DamagedFileError, PasswordRequiredError, WrongPasswordError

__all__ = ["DEFAULT_PASSWORD", "FORMAT", "PREF_KEY", "detect", "is_encrypted", "read"]

TITLE: Final = "a TOTP Authenticator backup or preferences file"
PREF_KEY: Final = "STATIC_TOTP_CODES_LIST"
DEFAULT_PASSWORD: Final = "TotpAuthenticator"  # noqa: S105 (the app's public default)
_BASE64_TEXT: Final = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def is_encrypted(data: bytes) -> bool:
    """Only Base64 text whose bytes are whole AES blocks (two at least): what the backup is."""
    text = decode_prefix(data, 16)
    if text is None or len(data) > 16 * 1024 * 1024:
        return False
    full = decode_text(data)
    if full is None:
        return False
    compact = "".join(full.split())
    if len(compact) < 44 or not _BASE64_TEXT.fullmatch(compact):
        return False
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) % 16 == 0


def _prefs_list(data: bytes) -> str | None:
    prefs = sniff_prefs(data)
    value = prefs.get(PREF_KEY) if prefs is not None else None
    return value if isinstance(value, str) else None


def detect(data: bytes) -> bool:
    return _prefs_list(data) is not None or is_encrypted(data)


def _open(data: bytes, password: str) -> list[Any]:
    raw = base64.b64decode("".join(data.decode("ascii").split()))
    plain = aes_cbc_open(hashlib.sha256(password.encode("utf-8")).digest(), raw)
    try:  # no MAC: whatever does not parse means a wrong key (or a changed file)
        outer = json.loads(plain.decode("utf-8"))
        first = next(iter(outer)) if isinstance(outer, dict) and outer else "[]"
        accounts = json.loads(first)
    except (UnicodeDecodeError, ValueError, RecursionError, TypeError):
        raise wrong() from None
    if not isinstance(accounts, list):
        raise wrong()
    return accounts


def _secret(item: dict[str, Any]) -> Secret:
    base = entry_int(item, "base", 16)
    key = entry_str(item, "key", required=True)
    if base == 16:
        return Secret.from_hex(key)
    if base == 32:
        return Secret.from_base32(key)
    if base == 64:
        try:
            return Secret(base64.b64decode(key, validate=True))
        except (binascii.Error, ValueError):
            raise EntryError("secret", "is not valid Base64") from None
    raise EntryError("base", "is not 16, 32 or 64")


def _entry(item: Any) -> Entry:
    item = entry_object(item)
    account = Account(
        secret=_secret(item),
        issuer=entry_str(item, "issuer"),
        name=entry_str(item, "name"),
        digits=entry_int(item, "digits", 6),  # type: ignore[arg-type]
        period=entry_int(item, "period", 30),  # type: ignore[arg-type]
    )
    return make_entry(account, favorite=entry_bool(item, "isFavorite"))


def _label(item: Any) -> str:
    issuer, name = item.get("issuer") or "", item.get("name") or ""
    return f"{issuer}:{name}" if issuer else str(name)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    listed = _prefs_list(data)
    notes: tuple[str, ...] = ()
    if listed is not None:
        try:
            items = file_list(json.loads(listed), PREF_KEY)
        except (ValueError, RecursionError):
            raise DamagedFileError(f"{PREF_KEY} is not JSON (truncated?)") from None
    elif data.lstrip().startswith((b"<?xml", b"<map")):
        raise DamagedFileError(f"the preferences file has no {PREF_KEY}")
    else:
        try:
            items = _open(data, DEFAULT_PASSWORD)
            notes = ("the backup had no password of its own (TOTP Authenticator's default)",)
        except WrongPasswordError:
            if password is None:
                raise PasswordRequiredError(
                    "this TOTP Authenticator backup is encrypted: a password is needed"
                ) from None
            items = _open(data, password)
    entries, problems = collect_entries(items, _entry, label_of=_label, progress=progress)
    return ImportResult(tuple(entries), tuple(problems), total=len(items), notes=notes)


FORMAT: Final = Format(
    name="totp-auth",
    title="TOTP Authenticator",
    summary="TOTP Authenticator backup (.encrypt, AES) or its internal preferences XML",
    suffix=".encrypt",
    detect=detect,
    read=read,
    is_encrypted=is_encrypted,
)
