"""Authy's internal storage on Android (``shared_prefs/com.authy.storage.tokens.*.xml``).

Authy has no export; people copy these preference files off a rooted phone. The value of
``com.authy.storage.tokens.authenticator.key`` (third-party TOTP accounts) or
``com.authy.storage.tokens.authy.key`` (Authy's own tokens) is a JSON array of tokens:

- third-party tokens: ``decryptedSecret`` (Base32) when the backups password is not set, else
  ``encryptedSecret`` (Base64) + ``salt``: key = PBKDF2-HMAC-SHA1(password, salt as UTF-8,
  1000 iterations, 32 bytes), AES-256-CBC with a zero IV and PKCS#7 padding. The result is
  the Base32 secret. TOTP, SHA1, 30 s, ``digits`` from the token.
- Authy tokens: ``secretSeed`` (hex), TOTP SHA1 with a 10-second period; the token's ``name``
  is the issuer.

Kept: secret, digits, issuer (``originalIssuer``, else the prefix of ``originalName`` or of
``name``), account name, and ``timestamp`` as the creation time. Not kept: ``logo``,
``hidden``, Authy's internal ids and upload state.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, InvalidSecretError, OtpType, Secret

from . import _crypto
from ._android_prefs import parse_prefs, sniff_prefs
from ._cbc import aes_cbc_open, wrong
from ._json import entry_int, entry_object, entry_str, file_list
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    collect_entries,
    ensure_detected,
    make_entry,
)
from .errors import DamagedFileError, PasswordRequiredError

__all__ = ["FORMAT", "KEYS", "detect", "is_encrypted", "read"]

TITLE: Final = "Authy's token storage (com.authy.storage.tokens.*.xml)"
KEYS: Final = (
    "com.authy.storage.tokens.authenticator.key",
    "com.authy.storage.tokens.authy.key",
)
ITERATIONS: Final = 1000
AUTHY_PERIOD: Final = 10


def _tokens_text(data: bytes) -> str | None:
    prefs = sniff_prefs(data)
    if prefs is None:
        return None
    for key in KEYS:
        value = prefs.get(key)
        if isinstance(value, str):
            return value
    return None


def detect(data: bytes) -> bool:
    return _tokens_text(data) is not None


def _tokens(data: bytes) -> list[Any]:
    prefs = parse_prefs(data)
    text = next((prefs[k] for k in KEYS if isinstance(prefs.get(k), str)), None)
    if not isinstance(text, str):
        raise DamagedFileError("the Authy preferences hold no token list")
    try:
        return file_list(json.loads(text), "the Authy token list")
    except (ValueError, RecursionError):
        raise DamagedFileError("the Authy token list is not JSON (truncated?)") from None


def _needs_password(tokens: list[Any]) -> bool:
    return any(
        isinstance(t, dict) and "decryptedSecret" not in t and "secretSeed" not in t for t in tokens
    )


def is_encrypted(data: bytes) -> bool:
    if not detect(data):
        return False
    try:
        return _needs_password(_tokens(data))
    except DamagedFileError:
        return False


def _decrypt_secret(token: dict[str, Any], password: str) -> str:
    encrypted, salt = token.get("encryptedSecret"), token.get("salt")
    if not isinstance(encrypted, str) or not isinstance(salt, str):
        raise DamagedFileError("an encrypted Authy token has no encryptedSecret or salt")
    try:
        sealed = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise DamagedFileError("an Authy encryptedSecret is not Base64") from None
    key = _crypto.pbkdf2(password, salt.encode("utf-8"), ITERATIONS, "sha1")
    plain = aes_cbc_open(key, sealed)
    try:
        text = plain.decode("ascii")
        Secret.from_base32(text)
    except (UnicodeDecodeError, InvalidSecretError):
        raise wrong() from None  # no MAC: a wrong key shows as garbage
    return text


def _issuer_and_name(token: dict[str, Any]) -> tuple[str, str]:
    name = entry_str(token, "name")
    original_issuer = entry_str(token, "originalIssuer")
    original_name = entry_str(token, "originalName")
    if original_issuer:
        issuer = original_issuer
    elif ":" in original_name:
        issuer = original_name.partition(":")[0]
    elif " - " in name:
        issuer = name.partition(" - ")[0]
    else:
        kind = entry_str(token, "accountType")
        issuer = kind[:1].upper() + kind[1:] if kind and kind != "authenticator" else ""
    if issuer and name.startswith(issuer):
        rest = name[len(issuer) :]
        if rest.startswith((":", " - ")) or not rest:
            name = rest.removeprefix(" - ").removeprefix(":")
    return issuer.strip(), name.strip()


def _entry(token: Any) -> Entry:
    token = entry_object(token)
    created = entry_int(token, "timestamp", 0) or 0
    if created > 10**11:  # milliseconds, as some versions write
        created //= 1000
    if "secretSeed" in token:
        account = Account(
            secret=Secret.from_hex(entry_str(token, "secretSeed", required=True)),
            type=OtpType.TOTP,
            issuer=entry_str(token, "name").strip().replace(":", " "),
            digits=entry_int(token, "digits", 7),  # type: ignore[arg-type]
            period=AUTHY_PERIOD,
        )
        return make_entry(account, created_at=float(max(created, 0)))
    secret = entry_str(token, "decryptedSecret")
    if not secret:
        raise EntryError("secret", "missing")
    issuer, name = _issuer_and_name(token)
    if ":" in issuer:
        raise EntryError("issuer", "contains ':'")
    account = Account(
        secret=Secret.from_base32(secret),
        issuer=issuer,
        name=name,
        digits=entry_int(token, "digits", 6),  # type: ignore[arg-type]
    )
    return make_entry(account, created_at=float(max(created, 0)))


def _label(token: Any) -> str:
    return str(token.get("name") or token.get("originalName") or "")


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    tokens = _tokens(data)
    if _needs_password(tokens):
        if password is None:
            raise PasswordRequiredError(
                "these Authy tokens are encrypted with the backups password: a password is needed"
            )
        opened = []
        for token in tokens:
            if isinstance(token, dict) and "encryptedSecret" in token:
                token = dict(token, decryptedSecret=_decrypt_secret(token, password))
            opened.append(token)
        tokens = opened
    entries, problems = collect_entries(tokens, _entry, label_of=_label, progress=progress)
    return ImportResult(tuple(entries), tuple(problems), total=len(tokens))


FORMAT: Final = Format(
    name="authy",
    title="Authy",
    summary="Authy's Android token storage (shared_prefs XML), plain or password-encrypted",
    suffix=".xml",
    detect=detect,
    read=read,
    is_encrypted=is_encrypted,
)
