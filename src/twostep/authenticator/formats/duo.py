"""Duo Mobile's internal account list on Android (``files/duokit/accounts.json``).

Duo has no export; the file is a JSON array of accounts. Third-party accounts carry
``otpGenerator.otpSecret`` (Base32): TOTP (SHA1, 6 digits, 30 s) when there is no
``counter``, HOTP with that counter otherwise (Duo's own accounts). Kept: the secret, the
counter, ``name`` (as the account name; Duo has no separate issuer). Not kept: ``logoUri``
(a file on the phone), Duo's push-login keys (``pkey``) and display settings. Push-only
accounts without an ``otpGenerator`` have no codes; they are counted in a note.
"""

from __future__ import annotations

from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, OtpType, Secret

from ._json import entry_int, entry_object, entry_str, file_list, load_json, sniff_json
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    collect_entries,
    ensure_detected,
    make_entry,
)

__all__ = ["FORMAT", "detect", "read"]

TITLE: Final = "Duo Mobile's accounts.json"


def _has_generator(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("otpGenerator"), dict)


def detect(data: bytes) -> bool:
    doc = sniff_json(data)
    return (
        isinstance(doc, list)
        and any(_has_generator(item) for item in doc)
        and all(
            isinstance(item, dict) and ("otpGenerator" in item or "pkey" in item) for item in doc
        )
    )


def _entry(item: Any) -> Entry | None:
    item = entry_object(item)
    generator = item.get("otpGenerator")
    if generator is None:
        return None
    if not isinstance(generator, dict):
        raise EntryError("otpGenerator", "is not a JSON object")
    secret = Secret.from_base32(entry_str(generator, "otpSecret", required=True))
    counter = entry_int(generator, "counter")
    account = Account(
        secret=secret,
        type=OtpType.TOTP if counter is None else OtpType.HOTP,
        name=entry_str(item, "name").replace(":", " "),
        counter=counter or 0,
    )
    return make_entry(account)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    items = file_list(load_json(data, "Duo"), "the Duo account list")
    entries, problems = collect_entries(
        items, _entry, label_of=lambda item: str(item.get("name") or ""), progress=progress
    )
    skipped = len(items) - len(entries) - len(problems)
    what = "account has" if skipped == 1 else "accounts have"
    notes = (f"{skipped} push-only Duo {what} no codes; left out",) if skipped else ()
    return ImportResult(tuple(entries), tuple(problems), total=len(items), notes=notes)


FORMAT: Final = Format(
    name="duo",
    title="Duo Mobile",
    summary="Duo Mobile's internal accounts.json (Android), TOTP and HOTP accounts",
    suffix=".json",
    detect=detect,
    read=read,
)
