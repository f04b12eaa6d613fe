"""Bitwarden vault exports, unencrypted JSON and CSV: the ``totp`` field of login items.

The field holds an ``otpauth://`` URI, a bare Base32 secret (TOTP, SHA1, 6 digits, 30 s) or
``steam://SECRET``. Where the field has no issuer (or no account), the item name becomes the
issuer and the login username the account. Notes, favourite and folder (as a group) are kept. Items
without a TOTP secret are not accounts and are left out (the preview says how many).
Encrypted (account- or password-protected) Bitwarden exports are refused with a hint.

Export writes Bitwarden's unencrypted ``.json`` export: one login item per account (``name`` =
issuer, ``login.username`` = account name, ``login.totp`` = the ``otpauth://`` URI, or
``steam://SECRET`` for Steam, as Bitwarden writes them), note, favourite, and the first group as
the item's folder. Bitwarden makes TOTP codes only: HOTP accounts are refused by name (or left
out with ``--skip-unsupported``). Bitwarden imports it with "Import data > Bitwarden (json)".
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, OtpType, Secret, build_uri

from . import otpauth_list
from ._json import (
    decode_prefix,
    decode_text,
    entry_bool,
    entry_object,
    entry_str,
    file_list,
    file_object,
    list_or_empty,
    load_json,
    sniff_json,
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
from .errors import DamagedFileError, ExportRefusedError, UnsupportedFileError, WrongFormatError

__all__ = ["FORMAT", "can_hold", "detect", "read", "write"]

TITLE: Final = "a Bitwarden export (unencrypted .json or .csv)"
_CSV_COLUMNS: Final = frozenset({"name", "login_totp"})


def _csv_header(data: bytes) -> list[str] | None:
    text = decode_prefix(data, 8192)
    if text is None:
        return None
    first = text.lstrip().partition("\n")[0]
    try:
        row = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return None
    return [column.strip() for column in row]


def _is_csv(data: bytes) -> bool:
    header = _csv_header(data)
    return header is not None and set(header) >= _CSV_COLUMNS


def detect(data: bytes) -> bool:
    doc = sniff_json(data)
    if isinstance(doc, dict):
        return isinstance(doc.get("items"), list) and ("encrypted" in doc or "folders" in doc)
    return _is_csv(data)


def _account(totp: str, item_name: str, username: str) -> Account:
    totp = totp.strip()
    lowered = totp.lower()
    if lowered.startswith("otpauth://"):
        account = otpauth_list.entry_from_uri(totp).account
        if not account.issuer and item_name.strip():
            account = account.replace(issuer=item_name)
        if not account.name and username.strip():
            account = account.replace(name=username)
        return account
    kind = OtpType.TOTP
    if lowered.startswith("steam://"):
        kind, totp = OtpType.STEAM, totp[len("steam://") :]
    elif "://" in totp:
        raise EntryError("totp", "is neither an otpauth:// URI, steam:// nor a Base32 secret")
    return Account(
        secret=Secret.from_base32(totp),
        type=kind,
        issuer=item_name,
        name=username,
    )


def _entry_from(
    totp: str, *, name: str, username: str, notes: str, favorite: bool, folder: str
) -> Entry | None:
    if not totp.strip():
        return None
    account = _account(totp, name, username)
    return make_entry(account, note=notes, favorite=favorite, groups=[folder])


def _json_entry(item: Any, folders: dict[str, str]) -> Entry | None:
    item = entry_object(item)
    login = item.get("login")
    if not isinstance(login, dict):
        return None
    folder_id = item.get("folderId")
    return _entry_from(
        entry_str(login, "totp"),
        name=entry_str(item, "name"),
        username=entry_str(login, "username"),
        notes=entry_str(item, "notes"),
        favorite=entry_bool(item, "favorite"),
        folder=folders.get(folder_id, "") if isinstance(folder_id, str) else "",
    )


def _csv_entry(row: dict[str, str]) -> Entry | None:
    return _entry_from(
        row.get("login_totp") or "",
        name=row.get("name") or "",
        username=row.get("login_username") or "",
        notes=row.get("notes") or "",
        favorite=(row.get("favorite") or "").strip() == "1",
        folder=row.get("folder") or "",
    )


def _label(item: Any) -> str:
    login = item.get("login")
    username = login.get("username") if isinstance(login, dict) else item.get("login_username")
    name = str(item.get("name") or "")
    return f"{name}:{username}" if name and username else name or str(username or "")


def _read_json(doc: dict[str, Any], progress: Progress | None) -> ImportResult:
    if doc.get("encrypted") is True or doc.get("passwordProtected") is True:
        raise UnsupportedFileError(
            "this Bitwarden export is encrypted: export the vault again as "
            "'.json' (not 'encrypted'), import it, then delete that file"
        )
    items = file_list(doc.get("items"), "items")
    folders = {
        f["id"]: f["name"]
        for f in list_or_empty(doc.get("folders"))
        if isinstance(f, dict) and isinstance(f.get("id"), str) and isinstance(f.get("name"), str)
    }
    entries, problems = collect_entries(
        items, lambda item: _json_entry(item, folders), label_of=_label, progress=progress
    )
    return _result(entries, problems, len(items))


def _result(entries: Sequence[Entry], problems: Sequence[Any], total: int) -> ImportResult:
    ignored = total - len(entries) - len(problems)
    notes = (f"{ignored} item(s) without a TOTP secret were left out",) if ignored else ()
    return ImportResult(tuple(entries), tuple(problems), total=total, notes=notes)


def _read_csv(data: bytes, progress: Progress | None) -> ImportResult:
    text = decode_text(data)
    if text is None:
        raise DamagedFileError("the Bitwarden CSV file is not UTF-8 or UTF-16 text")
    try:
        rows = list(csv.DictReader(io.StringIO(text.lstrip(), newline="")))
    except csv.Error:
        raise DamagedFileError("the Bitwarden CSV file is damaged (unbalanced quotes?)") from None
    rows = [{str(k).strip(): v if isinstance(v, str) else "" for k, v in r.items()} for r in rows]
    entries, problems = collect_entries(rows, _csv_entry, label_of=_label, progress=progress)
    return _result(entries, problems, len(rows))


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    doc = sniff_json(data)
    if isinstance(doc, dict):
        return _read_json(file_object(load_json(data, "Bitwarden"), "the file"), progress)
    if not _is_csv(data):  # pragma: no cover - detect() said it is one or the other
        raise WrongFormatError(f"this file is not {TITLE}")
    return _read_csv(data, progress)


# -- export -------------------------------------------------------------------------------------
def can_hold(entry: Entry) -> bool:
    """Bitwarden makes TOTP (and Steam) codes, not HOTP."""
    return entry.account.type is not OtpType.HOTP


def _totp_field(account: Account) -> str:
    if account.type is OtpType.STEAM:
        return f"steam://{account.secret.base32}"
    return build_uri(account)


def _item(entry: Entry, folder_id: str | None, stamp: str) -> dict[str, Any]:
    account = entry.account
    return {
        "passwordHistory": None,
        "revisionDate": stamp,
        "creationDate": stamp,
        "deletedDate": None,
        "id": str(uuid.uuid4()),
        "organizationId": None,
        "folderId": folder_id,
        "type": 1,  # a login
        "reprompt": 0,
        "name": account.issuer or account.name or "(no name)",
        "notes": entry.note or None,
        "favorite": entry.favorite,
        "login": {
            "fido2Credentials": [],
            "uris": [],
            "username": account.name or None,
            "password": None,
            "totp": _totp_field(account),
        },
        "collectionIds": None,
    }


def write(entries: Sequence[Entry], password: str | None = None) -> list[bytes]:
    """Bitwarden's unencrypted JSON export (Bitwarden's encrypted exports are not written)."""
    refused = [entry.label or "(unnamed)" for entry in entries if not can_hold(entry)]
    if refused:
        raise ExportRefusedError(
            f"Bitwarden makes TOTP codes only; these are HOTP accounts: {', '.join(refused)}"
        )
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    folders: dict[str, str] = {}
    for entry in entries:
        if entry.groups:
            folders.setdefault(entry.groups[0], str(uuid.uuid4()))
    doc = {
        "encrypted": False,
        "folders": [{"id": fid, "name": name} for name, fid in folders.items()],
        "items": [
            _item(entry, folders[entry.groups[0]] if entry.groups else None, stamp)
            for entry in entries
        ],
    }
    return [json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")]


FORMAT: Final = Format(
    name="bitwarden",
    title="Bitwarden",
    summary="Bitwarden vault export, unencrypted .json or .csv (the login TOTP field); "
    "exports unencrypted .json (TOTP and Steam; folders)",
    suffix=".json",
    detect=detect,
    read=read,
    write=write,
    can_hold=can_hold,
)
