"""andOTP backups: ``otp_accounts.json`` and ``otp_accounts.json.aes`` (formats.md §2.5).

Plain backups are a JSON array of entries (padded Base32 secrets, ``tags`` kept as groups; very
old files without ``issuer`` have labels like "Issuer - Account", which are split).

Encrypted backups carry no marker saying which of andOTP's two schemes they use, so, like Aegis,
twostep tries the current one first and falls back to the old one:

- current: ``iterations(4, big-endian) | salt(12) | iv(12) | ciphertext+tag``, key =
  PBKDF2-HMAC-SHA1(password, salt, iterations, 32 bytes), AES-256-GCM;
- old: ``iv(12) | ciphertext+tag``, key = SHA-256(password) (weak; import only).

Recognition never guesses: auto-detection takes a binary file for an andOTP backup only when it
has the current scheme's structure (an iteration count from 1,000 to 10 million, andOTP itself
writes 140,000-160,000; then 24 random-looking bytes of salt and IV; then at least a GCM tag and
an empty JSON list). Any other binary file is refused as unrecognised, not asked a password for.
The old scheme has no structure at all, so such a file is read only when asked for with
``--format andotp`` (:func:`accepts`).

OpenPGP-encrypted backups (``.json.gpg``) must be decrypted with gpg first.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, Secret

from . import _crypto
from ._json import (
    decode_text,
    entry_int,
    entry_list,
    entry_object,
    entry_str,
    file_list,
    load_json,
    sniff_json,
)
from ._otp import parse_algorithm, parse_type
from .base import Format, ImportResult, Progress, collect_entries, ensure_detected, make_entry
from .errors import (
    DamagedFileError,
    PasswordRequiredError,
    UnsupportedFileError,
    WrongPasswordError,
)

__all__ = ["FORMAT", "accepts", "detect", "is_current_scheme", "is_encrypted", "read"]

TITLE: Final = "an andOTP backup"
_HEADER: Final = 4 + 12 + 12
_PGP_ARMOR: Final = b"-----BEGIN PGP MESSAGE-----"
_MIN_ITERATIONS: Final = 1_000
#: 24 random bytes hold 23 distinct values on average; 16 or fewer happens about once in a
#: million (measured), 11 or fewer far less than once in 10^12. Structured data has far fewer.
_MIN_DISTINCT: Final = 12
_NOT_ANDOTP_MAGIC: Final = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"PK\x03\x04",
    b"%PDF",
    b"\x1f\x8b",
    b"SQLite format 3",
    b"RIFF",
    b"BM",
    b"TWOSTEPV",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"7z\xbc\xaf",
    b"\x00\x00\x01\x00",  # ICO
    b"AUTHENTICATORPRO",  # Stratum / Authenticator Pro encrypted backups (stratum.py)
    b"AuthenticatorPro",
    b"\xac\xed\x00\x05",  # Java serialisation: FreeOTP 2 backups (freeotp.py)
)


def _is_plain(doc: Any) -> bool:
    if not isinstance(doc, list):
        return False
    if not doc:
        return True
    first = doc[0]
    return isinstance(first, dict) and "secret" in first and "label" in first


def is_encrypted(data: bytes) -> bool:
    """Binary content that is no other known kind of file (either scheme; used once the file is
    known to be andOTP's: the old scheme has no header to recognise)."""
    return (
        len(data) >= 12 + 16 + 1
        and decode_text(data) is None
        and not data.startswith(_NOT_ANDOTP_MAGIC)
        and data[4:8] != b"ftyp"  # HEIC/AVIF photos, MP4
    )


def is_current_scheme(data: bytes) -> bool:
    """The structure of an encrypted backup of the current scheme (see the module docstring)."""
    if len(data) < _HEADER + 16 + len(b"[]") or not is_encrypted(data):
        return False
    iterations = int.from_bytes(data[:4], "big")
    salt_and_iv = data[4:_HEADER]
    return (
        _MIN_ITERATIONS <= iterations <= _crypto.PBKDF2_MAX_ITERATIONS
        and len(set(salt_and_iv)) >= _MIN_DISTINCT
    )


def detect(data: bytes) -> bool:
    """Positive recognition only: a plain backup, an OpenPGP one, or the current scheme."""
    if data.lstrip().startswith(_PGP_ARMOR):
        return True
    return _is_plain(sniff_json(data)) or is_current_scheme(data)


def accepts(data: bytes) -> bool:
    """What ``--format andotp`` reads: what :func:`detect` recognises, and any other binary
    file (an old-scheme backup has no structure to recognise)."""
    return detect(data) or is_encrypted(data)


def _decrypt(data: bytes, password: str) -> bytes:
    iterations = int.from_bytes(data[:4], "big")
    if len(data) > _HEADER + 16 and 1 <= iterations <= _crypto.PBKDF2_MAX_ITERATIONS:
        key = _crypto.pbkdf2(password, data[4:16], iterations, "sha1")
        try:
            return _crypto.aes_gcm_open(key, data[16:28], data[28:])
        except WrongPasswordError:
            pass  # maybe the old format: fall through
    key = hashlib.sha256(password.encode("utf-8")).digest()
    return _crypto.aes_gcm_open(key, data[:12], data[12:])


def _entry(item: Any) -> Entry:
    item = entry_object(item)
    issuer = entry_str(item, "issuer")
    name = entry_str(item, "label")
    if "issuer" not in item and " - " in name:
        issuer, _, name = name.partition(" - ")
    account = Account(
        secret=Secret.from_base32(entry_str(item, "secret", required=True)),
        type=parse_type(item.get("type")),
        issuer=issuer,
        name=name,
        algorithm=parse_algorithm(item.get("algorithm")),
        digits=entry_int(item, "digits", 6),  # type: ignore[arg-type]
        period=entry_int(item, "period", 30),  # type: ignore[arg-type]
        counter=entry_int(item, "counter", 0),  # type: ignore[arg-type]
    )
    tags = [t for t in entry_list(item, "tags") if isinstance(t, str)]
    return make_entry(account, groups=tags)


def _label(item: Any) -> str:
    issuer, name = item.get("issuer") or "", item.get("label") or ""
    return f"{issuer}:{name}" if issuer else str(name)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, accepts, TITLE)
    if data.lstrip().startswith(_PGP_ARMOR):
        raise UnsupportedFileError(
            "this andOTP backup is OpenPGP-encrypted: decrypt it with gpg first, then import "
            "the .json file"
        )
    if is_encrypted(data):
        if password is None:
            raise PasswordRequiredError("this andOTP backup is encrypted: a password is needed")
        plain = _decrypt(data, password)
        try:
            doc = json.loads(plain.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise DamagedFileError("the decrypted andOTP backup is not JSON") from None
    else:
        doc = load_json(data, "andOTP")
    items = file_list(doc, "the andOTP backup")
    entries, problems = collect_entries(items, _entry, label_of=_label, progress=progress)
    return ImportResult(tuple(entries), tuple(problems), total=len(items))


FORMAT: Final = Format(
    name="andotp",
    title="andOTP",
    summary="andOTP backup, plain .json or encrypted .json.aes (current and old scheme)",
    suffix=".json",
    detect=detect,
    accepts=accepts,
    read=read,
    is_encrypted=is_encrypted,
)
