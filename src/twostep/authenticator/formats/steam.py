"""Steam Guard secrets: Steam Desktop Authenticator ``.maFile`` files and the Steam app's
``Steamguard-<steamid>`` file (formats of the same fields).

- new layout (the Steam app's internal file): ``{"accounts": {"<id>": {...}, ...}}``;
- old layout (a Steam Desktop Authenticator maFile, also the app's older file): one object.

Each account has ``shared_secret`` (Base64), the key of the 5-character Steam Guard codes, and
``account_name``. Kept: the secret, the account name (issuer "Steam"), and the
``revocation_code`` (in the note: it is what removes the authenticator from the Steam account
if the phone is lost). Not kept: ``identity_secret`` (trade confirmations, which twostep does
not do), ``device_id``, ``serial_number``, ``token_gid`` and the login session.
"""

from __future__ import annotations

from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, OtpType, Secret

from ._json import entry_b64decode, entry_object, entry_str, file_object, load_json, sniff_json
from .base import Format, ImportResult, Progress, collect_entries, ensure_detected, make_entry

__all__ = ["FORMAT", "detect", "read"]

TITLE: Final = "a Steam Desktop Authenticator maFile or Steam Guard file"
ISSUER: Final = "Steam"


def _is_account(value: Any) -> bool:
    return isinstance(value, dict) and "shared_secret" in value and "account_name" in value


def detect(data: bytes) -> bool:
    doc = sniff_json(data)
    if not isinstance(doc, dict):
        return False
    accounts = doc.get("accounts")
    if isinstance(accounts, dict):
        return bool(accounts) and all(_is_account(v) for v in accounts.values())
    return _is_account(doc)


def _entry(item: Any) -> Entry:
    item = entry_object(item)
    secret = Secret(entry_b64decode(item.get("shared_secret"), "shared_secret"))
    account = Account(
        secret=secret, type=OtpType.STEAM, issuer=ISSUER, name=entry_str(item, "account_name")
    )
    code = entry_str(item, "revocation_code")
    return make_entry(account, note=f"Steam revocation code: {code}" if code else "")


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    doc = file_object(load_json(data, "Steam"), "the file")
    accounts = doc.get("accounts")
    items = list(accounts.values()) if isinstance(accounts, dict) else [doc]
    entries, problems = collect_entries(
        items,
        _entry,
        label_of=lambda item: f"{ISSUER}:{item.get('account_name') or ''}",
        progress=progress,
    )
    return ImportResult(tuple(entries), tuple(problems), total=len(items))


FORMAT: Final = Format(
    name="steam",
    title="Steam Guard (maFile)",
    summary="Steam Desktop Authenticator .maFile or the Steam app's Steamguard file (JSON)",
    suffix=".maFile",
    detect=detect,
    read=read,
)
