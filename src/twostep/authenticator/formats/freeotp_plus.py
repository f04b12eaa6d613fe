"""FreeOTP+ JSON exports (formats.md §2.6).

``{"tokenOrder": [...], "tokens": [...]}``; each token's ``secret`` is an array of *signed*
bytes, ``counter`` is the next counter minus one (FreeOTP increments before generating, so 1 is
added here), and ``algo``, ``digits`` and ``period`` may be missing (SHA1/6/30). A token whose
``issuerExt`` is "Steam" is a Steam Guard account. The issuer is ``issuerInt`` (the ``issuer``
parameter of the original URI) when set, else ``issuerExt`` (the label prefix). Tokens are
imported in file order. FreeOTP+ images are URIs of files on the phone and cannot be carried
over. (FreeOTP+'s other export, a URI list, is the ``otpauth`` format.)
"""

from __future__ import annotations

from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, OtpType, Secret

from ._json import entry_int, entry_object, entry_str, file_list, file_object, load_json, sniff_json
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

__all__ = ["FORMAT", "detect", "read"]

TITLE: Final = "a FreeOTP+ export"


def detect(data: bytes) -> bool:
    doc = sniff_json(data)
    return isinstance(doc, dict) and isinstance(doc.get("tokens"), list) and "items" not in doc


def _secret(value: Any) -> Secret:
    if not isinstance(value, list) or not value:
        raise EntryError("secret", "is not a list of bytes")
    raw = bytearray()
    for byte in value:
        if type(byte) is not int or not -128 <= byte <= 255:
            raise EntryError("secret", "is not a list of bytes")
        raw.append(byte & 0xFF)
    return Secret(bytes(raw))


def _entry(item: Any) -> Entry:
    item = entry_object(item)
    issuer_ext = entry_str(item, "issuerExt")
    issuer = entry_str(item, "issuerInt") or issuer_ext
    kind = parse_type(item.get("type"))
    if issuer_ext.strip().lower() == "steam" and kind is OtpType.TOTP:
        kind = OtpType.STEAM
    counter = entry_int(item, "counter", 0)
    assert counter is not None
    account = Account(
        secret=_secret(item.get("secret")),
        type=kind,
        issuer=issuer,
        name=entry_str(item, "label"),
        algorithm=parse_algorithm(item.get("algo")),
        digits=entry_int(item, "digits", 6),  # type: ignore[arg-type]
        period=entry_int(item, "period", 30),  # type: ignore[arg-type]
        counter=counter + 1 if kind is OtpType.HOTP else 0,
    )
    return make_entry(account)


def _label(item: Any) -> str:
    issuer = item.get("issuerInt") or item.get("issuerExt") or ""
    name = item.get("label") or ""
    return f"{issuer}:{name}" if issuer else str(name)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    doc = file_object(load_json(data, "FreeOTP+"), "the file")
    tokens = file_list(doc.get("tokens"), "tokens")
    entries, problems = collect_entries(tokens, _entry, label_of=_label, progress=progress)
    return ImportResult(tuple(entries), tuple(problems), total=len(tokens))


FORMAT: Final = Format(
    name="freeotp-plus",
    title="FreeOTP+",
    summary="FreeOTP+ JSON export (tokens with signed-byte secrets)",
    suffix=".json",
    detect=detect,
    read=read,
)
