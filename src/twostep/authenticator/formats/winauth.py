"""WinAuth's text export: one ``otpauth://`` URI per line with WinAuth's own parameters.

WinAuth writes ``otpauth://totp/Issuer:Name?secret=...&digits=N`` followed by ``issuer``,
``algorithm``, ``counter`` (HOTP), ``period`` and its extras:

- ``serial`` (Battle.net authenticators): kept as a parameter of the account;
- ``deviceid`` and ``data`` (Steam authenticators; ``digits=5``): the account becomes a Steam
  account; ``deviceid`` is kept, and from ``data`` (the Steam enrolment JSON, with login
  tokens) only the ``revocation_code`` is kept, in the note;
- ``icon``: ``base64:`` + Base32 of a custom image becomes the entry's icon; WinAuth's built-in
  skin names (``icon=Google``) are pictures of WinAuth's own and are dropped.

Recognised by that shape: every line starts ``otpauth://...?secret=...&digits=``, and at least
one line carries a WinAuth parameter. A list without any is simply an ``otpauth`` list.
WinAuth's password-protected export is a zip file (or PGP): unzip or decrypt it first.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Final

from twostep.authenticator.entry import Entry, Icon
from twostep.otp import parse_uri

from ._json import decode_prefix, decode_text
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    ensure_detected,
    make_entry,
    sniff_image_mime,
)
from .errors import DamagedFileError
from .otpauth_list import read_lines

__all__ = ["FORMAT", "WINAUTH_PARAMETERS", "detect", "read"]

TITLE: Final = "a WinAuth text export"
WINAUTH_PARAMETERS: Final = ("icon", "serial", "deviceid", "data")
_LINE: Final = re.compile(r"otpauth://(totp|hotp)/[^?\s]*\?secret=[^&\s]*&digits=\d+", re.I)
_EXTRA: Final = re.compile(r"[?&](" + "|".join(WINAUTH_PARAMETERS) + r")=", re.I)


def _lines(text: str) -> list[tuple[int, str]]:
    return [
        (number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if line.strip()
    ]


def detect(data: bytes) -> bool:
    text = decode_prefix(data)
    if text is None:
        return False
    lines = _lines(text)
    if len(data) > 65536 and lines:
        lines = lines[:-1]  # the last line may be cut at the sniffing limit
    return (
        bool(lines)
        and all(_LINE.match(line) for _, line in lines)
        and any(_EXTRA.search(line) for _, line in lines)
    )


def _icon(value: str) -> Icon | None:
    if not value.startswith("base64:"):
        return None  # a WinAuth skin name
    text = value[7:].strip().upper()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise EntryError("icon", "is not valid Base32") from None
    mime = sniff_image_mime(raw)
    if mime is None:
        raise EntryError("icon", "is not a PNG, JPEG or SVG image")
    return Icon(mime, raw)


def _revocation_code(value: str) -> str:
    try:
        steam = json.loads(value)
    except (ValueError, RecursionError):
        raise EntryError("data", "is not JSON") from None
    code = steam.get("revocation_code") if isinstance(steam, dict) else None
    return code if isinstance(code, str) else ""


def _is_steam(line: str) -> bool:
    return re.search(r"[?&](digits=5(&|$)|deviceid=|data=)", line, re.I) is not None


def _entry(line: str) -> Entry:
    if not _LINE.match(line):
        raise EntryError("uri", "is not a WinAuth otpauth:// line")
    if _is_steam(line):  # WinAuth writes Steam accounts as 5-digit TOTP
        line = "otpauth://steam/" + line.partition("/")[2].partition("/")[2]
    account = parse_uri(line)
    extra = []
    icon: Icon | None = None
    note = ""
    for key, value in account.extra:
        if key.lower() == "icon":
            icon = _icon(value)
        elif key.lower() == "data":
            code = _revocation_code(value)
            note = f"Steam revocation code: {code}" if code else ""
        else:
            extra.append((key, value))
    return make_entry(account.replace(extra=tuple(extra)), note=note, icon=icon)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    text = decode_text(data)
    if text is None:
        raise DamagedFileError("the WinAuth export is not valid UTF-8 text (damaged?)")
    return read_lines(_lines(text), progress=progress, entry=_entry)


FORMAT: Final = Format(
    name="winauth",
    title="WinAuth",
    summary="WinAuth text export (otpauth:// lines with WinAuth's serial, Steam and icon data)",
    suffix=".txt",
    detect=detect,
    read=read,
    refines=("otpauth",),  # a WinAuth export is also an otpauth list, read less fully
)
