"""twostep's own encrypted export: everything an entry holds, safe to keep as a backup.

The file is UTF-8 JSON::

    {"format": "twostep-export", "version": 1,
     "kdf": {"algorithm": "argon2id", "salt": B64(16 B), "time_cost": 3,
             "memory_kib": 65536, "parallelism": 4},
     "cipher": {"algorithm": "AES-256-GCM", "nonce": B64(12 B)},
     "data": B64(ciphertext || 16-byte tag)}

key = Argon2id(UTF-8 password, salt, ...) (RFC 9106, 32 bytes); the additional authenticated
data is the canonical JSON (sorted keys, no spaces) of every top-level field except ``data``,
so no parameter can be changed unnoticed. ``scrypt`` (``n``, ``r``, ``p``) is accepted as an
alternative KDF. The plaintext is ``{"entries": [...]}`` with, per entry: ``id``, ``type``,
``issuer``, ``name``, ``secret`` (Base32), ``algorithm``, ``digits``, ``period``, ``counter``,
``extra`` (unknown URI parameters, as pairs), ``note``, ``groups``, ``favorite``, ``icon``
(``{mime, data: B64}`` or null) and ``created_at``. Readers ignore fields they do not know, so
later versions can add some; a new ``version`` number means an incompatible change.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Sequence
from typing import Any, Final

from twostep.authenticator.entry import Entry, Icon
from twostep.otp import Account, Secret

from . import _crypto
from ._json import (
    b64decode,
    entry_b64decode,
    entry_bool,
    entry_int,
    entry_list,
    entry_object,
    entry_str,
    file_list,
    file_object,
    load_json,
    sniff_json,
)
from ._otp import parse_algorithm, parse_type
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

__all__ = ["DEFAULT_KDF", "FORMAT", "detect", "read", "write"]

TITLE: Final = "a twostep export"
MAGIC: Final = "twostep-export"
VERSION: Final = 1
#: RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes).
DEFAULT_KDF: Final = {
    "algorithm": "argon2id",
    "time_cost": 3,
    "memory_kib": 65536,
    "parallelism": 4,
}
_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MAX_MEMORY_KIB: Final = 1024 * 1024
_MAX_TIME_COST: Final = 64
_MAX_PARALLELISM: Final = 64


def detect(data: bytes) -> bool:
    doc = sniff_json(data)
    return isinstance(doc, dict) and doc.get("format") == MAGIC


def _aad(doc: dict[str, Any]) -> bytes:
    header = {k: v for k, v in doc.items() if k != "data"}
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _int_param(kdf: dict[str, Any], key: str, lowest: int, highest: int) -> int:
    value = kdf.get(key)
    if type(value) is not int:
        raise DamagedFileError(f"kdf.{key} is not a whole number")
    if not lowest <= value <= highest:
        raise UnsupportedFileError(f"kdf.{key} is out of the range twostep accepts")
    return value


def _derive(password: str, kdf: dict[str, Any]) -> bytes:
    salt = b64decode(kdf.get("salt"), "kdf.salt")
    if len(salt) < 16:
        raise DamagedFileError("kdf.salt is shorter than 16 bytes")
    algorithm = kdf.get("algorithm")
    if algorithm == "argon2id":
        from argon2.exceptions import HashingError
        from argon2.low_level import Type, hash_secret_raw

        parallelism = _int_param(kdf, "parallelism", 1, _MAX_PARALLELISM)
        try:
            return hash_secret_raw(
                password.encode("utf-8"),
                salt,
                time_cost=_int_param(kdf, "time_cost", 1, _MAX_TIME_COST),
                memory_cost=_int_param(kdf, "memory_kib", 8 * parallelism, _MAX_MEMORY_KIB),
                parallelism=parallelism,
                hash_len=32,
                type=Type.ID,
            )
        except HashingError:  # pragma: no cover - parameters are checked above
            raise DamagedFileError("the Argon2id parameters are invalid") from None
    if algorithm == "scrypt":
        return _crypto.scrypt(
            password,
            salt,
            n=kdf.get("n"),  # type: ignore[arg-type]
            r=kdf.get("r"),  # type: ignore[arg-type]
            p=kdf.get("p"),  # type: ignore[arg-type]
        )
    raise UnsupportedFileError("the export uses a key derivation twostep does not know")


def _icon(value: Any) -> Icon | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise EntryError("icon", "is not an object")
    mime = entry_str(value, "mime", required=True)
    return Icon(mime, entry_b64decode(value.get("data"), "icon"))


def _extra(value: list[Any]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for pair in value:
        if not (
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        ):
            raise EntryError("extra", "is not a list of name/value pairs")
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def _entry(item: Any) -> Entry:
    item = entry_object(item)
    account = Account(
        secret=Secret.from_base32(entry_str(item, "secret", required=True)),
        type=parse_type(item.get("type")),
        issuer=entry_str(item, "issuer"),
        name=entry_str(item, "name"),
        algorithm=parse_algorithm(item.get("algorithm")),
        digits=entry_int(item, "digits", 6),  # type: ignore[arg-type]
        period=entry_int(item, "period", 30),  # type: ignore[arg-type]
        counter=entry_int(item, "counter", 0),  # type: ignore[arg-type]
        extra=_extra(entry_list(item, "extra")),
    )
    groups = entry_list(item, "groups")
    if not all(isinstance(g, str) for g in groups):
        raise EntryError("groups", "is not a list of names")
    created = item.get("created_at", 0)
    if (
        isinstance(created, bool)
        or not isinstance(created, int | float)
        or not 0 <= created < 2**40  # also refuses NaN and infinities
    ):
        raise EntryError("created_at", "is not a time")
    entry = make_entry(
        account,
        note=entry_str(item, "note"),
        groups=groups,
        favorite=entry_bool(item, "favorite"),
        icon=_icon(item.get("icon")),
        created_at=float(created),
    )
    entry_id = entry_str(item, "id")
    return entry.replace(id=entry_id) if _ID.fullmatch(entry_id) else entry


def _label(item: Any) -> str:
    issuer, name = item.get("issuer") or "", item.get("name") or ""
    return f"{issuer}:{name}" if issuer else str(name)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    doc = file_object(load_json(data, "twostep export"), "the file")
    if doc.get("version") != VERSION:
        raise UnsupportedFileError(
            "this twostep export was made by a newer twostep (format version is not 1)"
        )
    if password is None:
        raise PasswordRequiredError("this twostep export is encrypted: a password is needed")
    kdf = file_object(doc.get("kdf"), "kdf")
    cipher = file_object(doc.get("cipher"), "cipher")
    if cipher.get("algorithm") != "AES-256-GCM":
        raise UnsupportedFileError("the export uses a cipher twostep does not know")
    key = _derive(password, kdf)
    nonce = b64decode(cipher.get("nonce"), "cipher.nonce")
    plain = _crypto.aes_gcm_open(key, nonce, b64decode(doc.get("data"), "data"), _aad(doc))
    try:
        content = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DamagedFileError("the decrypted export is not JSON") from None
    items = file_list(file_object(content, "the decrypted export").get("entries"), "entries")
    entries, problems = collect_entries(items, _entry, label_of=_label, progress=progress)
    return ImportResult(tuple(entries), tuple(problems), total=len(items))


def entry_to_json(entry: Entry) -> dict[str, Any]:
    account = entry.account
    return {
        "id": entry.id,
        "type": account.type.value,
        "issuer": account.issuer,
        "name": account.name,
        "secret": account.secret.base32,
        "algorithm": account.algorithm.value,
        "digits": account.digits,
        "period": account.period,
        "counter": account.counter,
        "extra": [list(pair) for pair in account.extra],
        "note": entry.note,
        "groups": list(entry.groups),
        "favorite": entry.favorite,
        "icon": (
            {"mime": entry.icon.mime, "data": base64.b64encode(entry.icon.data).decode("ascii")}
            if entry.icon
            else None
        ),
        "created_at": entry.created_at,
    }


def write(
    entries: Sequence[Entry], password: str | None = None, *, kdf: dict[str, Any] | None = None
) -> list[bytes]:
    """The encrypted export of ``entries``; ``kdf`` overrides :data:`DEFAULT_KDF` (tests)."""
    if not password:
        raise UnsupportedFileError("a twostep export is always encrypted: a password is needed")
    kdf_params = dict(kdf or DEFAULT_KDF)
    kdf_params["salt"] = base64.b64encode(secrets.token_bytes(16)).decode("ascii")
    nonce = secrets.token_bytes(12)
    doc: dict[str, Any] = {
        "format": MAGIC,
        "version": VERSION,
        "kdf": kdf_params,
        "cipher": {"algorithm": "AES-256-GCM", "nonce": base64.b64encode(nonce).decode("ascii")},
    }
    key = _derive(password, kdf_params)
    plaintext = json.dumps(
        {"entries": [entry_to_json(e) for e in entries]}, ensure_ascii=False
    ).encode("utf-8")
    doc["data"] = base64.b64encode(_crypto.aes_gcm_seal(key, nonce, plaintext, _aad(doc))).decode(
        "ascii"
    )
    return [json.dumps(doc, indent=2).encode("utf-8")]


FORMAT: Final = Format(
    name="twostep",
    title="twostep export",
    summary="twostep's encrypted export (Argon2id + AES-256-GCM), carrying every field",
    suffix=".twostep.json",
    detect=detect,
    read=read,
    write=write,
    encryption="required",
    is_encrypted=detect,
)
