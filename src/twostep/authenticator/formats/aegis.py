"""Aegis vault files and exports, plain and encrypted (formats.md §2.3).

Import reads content versions 1-3 (and later ones with the same fields): groups (v3 group
UUIDs, or v2's one group name per entry), note, favourite and icon are kept. Encrypted files are
opened with any password slot (scrypt, then AES-256-GCM unwraps the master key, which opens the
database). mOTP and Yandex entries are reported as unsupported, not dropped silently.

Export writes what Aegis itself writes: header ``{slots, params}``, content version 3, and for
an encrypted export one password slot (scrypt N=32768, r=8, p=1) with the database as Base64 of
the AES-GCM ciphertext without its tag (the tag is in ``header.params``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from collections.abc import Sequence
from typing import Any, Final

from twostep.authenticator.entry import Entry, Icon
from twostep.otp import Account, OtpType, Secret

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
    list_or_empty,
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
    sniff_image_mime,
)
from .errors import (
    DamagedFileError,
    PasswordRequiredError,
    UnsupportedFileError,
    WrongPasswordError,
)

__all__ = ["FORMAT", "detect", "is_encrypted", "read", "write"]

TITLE: Final = "an Aegis vault or export"
#: Aegis's own scrypt parameters for password slots.
SCRYPT_N: Final = 32768
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1


def detect(data: bytes) -> bool:
    doc = sniff_json(data)
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("header"), dict)
        and "db" in doc
        and "slots" in doc["header"]
        and "params" in doc["header"]
    )


def is_encrypted(data: bytes) -> bool:
    doc = sniff_json(data)
    return detect(data) and not isinstance(doc.get("db"), dict)


def _hex(value: Any, where: str, size: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise DamagedFileError(f"{where} is missing or not text")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise DamagedFileError(f"{where} is not hexadecimal") from None
    if size is not None and len(raw) != size:
        raise DamagedFileError(f"{where} has the wrong length")
    return raw


def _key_params(value: Any, where: str) -> tuple[bytes, bytes]:
    params = file_object(value, where)
    nonce = _hex(params.get("nonce"), f"{where}.nonce", 12)
    return nonce, _hex(params.get("tag"), f"{where}.tag", 16)


def _master_key(header: dict[str, Any], password: str) -> bytes:
    slots = file_list(header.get("slots"), "header.slots")
    password_slots = [s for s in slots if isinstance(s, dict) and s.get("type") == 1]
    if not password_slots:
        raise UnsupportedFileError(
            "this Aegis vault has no password slot (only biometric or raw keys); "
            "export it from Aegis with a password"
        )
    wrong: WrongPasswordError | None = None
    for number, slot in enumerate(password_slots, 1):
        where = f"password slot {number}"
        salt = _hex(slot.get("salt"), f"{where} salt")
        key = _hex(slot.get("key"), f"{where} key", 32)
        nonce, tag = _key_params(slot.get("key_params"), f"{where} key_params")
        derived = _crypto.scrypt(
            password,
            salt,
            n=slot.get("n"),  # type: ignore[arg-type]
            r=slot.get("r"),  # type: ignore[arg-type]
            p=slot.get("p"),  # type: ignore[arg-type]
        )
        try:
            return _crypto.aes_gcm_open(derived, nonce, key + tag)
        except WrongPasswordError as exc:
            wrong = exc
    assert wrong is not None
    raise wrong


def _content(doc: dict[str, Any], password: str | None) -> dict[str, Any]:
    header = file_object(doc.get("header"), "header")
    db = doc.get("db")
    if isinstance(db, dict) and header.get("slots") is None:
        return db
    if not isinstance(db, str):
        raise DamagedFileError("db is neither an object nor encrypted text")
    if password is None:
        raise PasswordRequiredError("this Aegis export is encrypted: a password is needed")
    nonce, tag = _key_params(header.get("params"), "header.params")
    master = _master_key(header, password)
    plain = _crypto.aes_gcm_open(master, nonce, b64decode(db, "db") + tag)
    try:
        content = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DamagedFileError("the decrypted Aegis database is not JSON") from None
    return file_object(content, "the decrypted database")


def _icon(item: dict[str, Any]) -> Icon | None:
    encoded = item.get("icon")
    if encoded is None:
        return None
    data = entry_b64decode(encoded, "icon")
    mime = entry_str(item, "icon_mime") or sniff_image_mime(data) or ""
    if not mime.startswith("image/"):
        raise EntryError("icon_mime", "is not an image type")
    return Icon(mime, data)


def _entry(item: Any, group_names: dict[str, str], content_version: int) -> Entry:
    item = entry_object(item)
    kind = parse_type(item.get("type"))
    info = item.get("info")
    if not isinstance(info, dict):
        raise EntryError("info", "missing")
    algo = info.get("algo")
    if isinstance(algo, str) and algo.upper() == "MD5":
        algo = "SHA1"  # Aegis's OtpInfo.fromJson coerces MD5 outside mOTP
    account = Account(
        secret=Secret.from_base32(entry_str(info, "secret", required=True)),
        type=kind,
        issuer=entry_str(item, "issuer"),
        name=entry_str(item, "name"),
        algorithm=parse_algorithm(algo),
        digits=entry_int(info, "digits", 6),  # type: ignore[arg-type]
        period=entry_int(info, "period", 30),  # type: ignore[arg-type]
        counter=entry_int(info, "counter", 0),  # type: ignore[arg-type]
    )
    if content_version >= 3 or "groups" in item:
        groups = [
            group_names[g]
            for g in entry_list(item, "groups")
            if isinstance(g, str) and g in group_names
        ]
    else:
        group = entry_str(item, "group")
        groups = [group] if group else []
    return make_entry(
        account,
        note=entry_str(item, "note"),
        groups=groups,
        favorite=entry_bool(item, "favorite"),
        icon=_icon(item),
    )


def _label(item: Any) -> str:
    issuer, name = item.get("issuer") or "", item.get("name") or ""
    return f"{issuer}:{name}" if issuer else str(name)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    doc = file_object(load_json(data, "Aegis"), "the file")
    content = _content(doc, password)
    version = content.get("version", 1)
    if type(version) is not int:
        raise DamagedFileError("the database version is not a number")
    items = file_list(content.get("entries"), "db.entries")
    group_names: dict[str, str] = {}
    for group in list_or_empty(content.get("groups")):
        if isinstance(group, dict) and isinstance(group.get("uuid"), str):
            name = group.get("name")
            if isinstance(name, str):
                group_names[group["uuid"]] = name
    entries, problems = collect_entries(
        items, lambda item: _entry(item, group_names, version), label_of=_label, progress=progress
    )
    return ImportResult(tuple(entries), tuple(problems), total=len(items))


# -- export -----------------------------------------------------------------------------------
def _uuid_of(entry_id: str) -> str:
    try:
        return str(uuid.UUID(entry_id))
    except ValueError:
        return str(uuid.uuid4())


def _info(account: Account) -> dict[str, Any]:
    info: dict[str, Any] = {
        "secret": account.secret.base32,
        "algo": account.algorithm.value,
        "digits": account.digits,
    }
    if account.type is OtpType.HOTP:
        info["counter"] = account.counter
    else:
        info["period"] = account.period
    return info


def build_content(entries: Sequence[Entry]) -> dict[str, Any]:
    """The decrypted database (content version 3) for ``entries``."""
    group_ids: dict[str, str] = {}
    for entry in entries:
        for group in entry.groups:
            group_ids.setdefault(group, str(uuid.uuid4()))
    items = []
    for entry in entries:
        account = entry.account
        icon = entry.icon
        items.append(
            {
                "type": account.type.value,
                "uuid": _uuid_of(entry.id),
                "name": account.name,
                "issuer": account.issuer,
                "note": entry.note,
                "favorite": entry.favorite,
                "icon": base64.b64encode(icon.data).decode("ascii") if icon else None,
                "icon_mime": icon.mime if icon else None,
                "icon_hash": hashlib.sha256(icon.data).hexdigest() if icon else None,
                "info": _info(account),
                "groups": [group_ids[g] for g in entry.groups],
            }
        )
    return {
        "version": 3,
        "entries": items,
        "groups": [{"uuid": gid, "name": name} for name, gid in group_ids.items()],
    }


def write(
    entries: Sequence[Entry], password: str | None = None, *, scrypt_n: int = SCRYPT_N
) -> list[bytes]:
    """An Aegis export: plain without a password, else encrypted with one password slot."""
    content = build_content(entries)
    if password is None:
        doc: dict[str, Any] = {
            "version": 1,
            "header": {"slots": None, "params": None},
            "db": content,
        }
    else:
        master = secrets.token_bytes(32)
        salt = secrets.token_bytes(32)
        derived = _crypto.scrypt(password, salt, n=scrypt_n, r=SCRYPT_R, p=SCRYPT_P)
        slot_nonce = secrets.token_bytes(12)
        wrapped = _crypto.aes_gcm_seal(derived, slot_nonce, master)
        db_nonce = secrets.token_bytes(12)
        sealed = _crypto.aes_gcm_seal(master, db_nonce, json.dumps(content).encode("utf-8"))
        slot = {
            "type": 1,
            "uuid": str(uuid.uuid4()),
            "key": wrapped[:-16].hex(),
            "key_params": {"nonce": slot_nonce.hex(), "tag": wrapped[-16:].hex()},
            "n": scrypt_n,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": salt.hex(),
            "repaired": True,
            "is_backup": False,
        }
        doc = {
            "version": 1,
            "header": {
                "slots": [slot],
                "params": {"nonce": db_nonce.hex(), "tag": sealed[-16:].hex()},
            },
            "db": base64.b64encode(sealed[:-16]).decode("ascii"),
        }
    return [json.dumps(doc, indent=4, ensure_ascii=False).encode("utf-8")]


FORMAT: Final = Format(
    name="aegis",
    title="Aegis",
    summary="Aegis vault/export JSON, plain or encrypted (password slots), content versions 1-3",
    suffix=".json",
    detect=detect,
    read=read,
    write=write,
    encryption="optional",
    is_encrypted=is_encrypted,
)
