"""Plain lists of ``otpauth://`` URIs, one per line (formats.md §2.1, §2.6).

Many apps write these (FreeOTP+, ente Auth's plain export, Aegis, andOTP's "plain text"), and
twostep exports them. ente adds a ``codeDisplay`` parameter, URL-encoded JSON with ``pinned``,
``trashed``, ``tags`` and ``note``; it is read into favourite, groups and note, and written back
for entries that have any of them, so a list round-trips without loss. Every other unknown
parameter is kept (``Account.extra``) and written back as it was.

Entries in ente's trash are not imported; each is reported with its line number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import unquote

from twostep.authenticator.entry import Entry
from twostep.otp import build_uri, parse_uri

from ._json import decode_prefix, decode_text
from ._otp import parse_type
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    collect_entries,
    ensure_detected,
    make_entry,
)
from .errors import DamagedFileError

__all__ = ["FORMAT", "detect", "entry_from_uri", "read", "uri_of", "write"]

TITLE: Final = "a list of otpauth:// URIs"
CODE_DISPLAY: Final = "codeDisplay"
_SCHEMES: Final = ("otpauth://", "motp://")


def _content_lines(text: str) -> list[tuple[int, str]]:
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append((number, line))
    return lines


def detect(data: bytes) -> bool:
    text = decode_prefix(data)
    if text is None:
        return False
    lines = _content_lines(text)
    return bool(lines) and lines[0][1].lower().startswith(_SCHEMES)


def label_of(line: str) -> str:
    head = line.partition("?")[0]
    scheme, _, path = head.partition("://")
    if scheme.lower() == "motp":  # motp://LABEL has no type segment
        return unquote(path)
    return unquote(path.partition("/")[2])


def _code_display(account_extra: tuple[tuple[str, str], ...]) -> tuple[dict[str, Any] | None, Any]:
    """ente's codeDisplay as a dict (None when absent or not JSON) and the other extras."""
    found: dict[str, Any] | None = None
    rest = []
    for key, value in account_extra:
        if key == CODE_DISPLAY and found is None:
            try:
                parsed = json.loads(value)
            except (ValueError, RecursionError):
                parsed = None
            if isinstance(parsed, dict):
                found = parsed
                continue
        rest.append((key, value))
    return found, tuple(rest)


def entry_from_uri(line: str) -> Entry:
    """One URI line as an entry (an entry in ente's trash is reported as a problem)."""
    scheme = line.partition("://")[0].lower()
    if scheme == "motp":
        raise EntryError("type", "cannot be read: type mOTP is not supported by twostep")
    if scheme == "otpauth-migration":
        raise EntryError(
            "uri", "is a Google Authenticator export code: import those with --format google"
        )
    if scheme == "otpauth":
        parse_type(line.partition("://")[2].partition("/")[0].partition("?")[0])
    account = parse_uri(line)
    display, extra = _code_display(account.extra)
    if display is None:
        return make_entry(account)
    if display.get("trashed") is True:
        raise EntryError("trashed", "is in ente's trash, so it was not imported")
    tags = display.get("tags")
    groups = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    note = display.get("note")
    return make_entry(
        account.replace(extra=extra),
        note=note if isinstance(note, str) else "",
        groups=groups,
        favorite=display.get("pinned") is True,
    )


def read_lines(
    lines: Sequence[tuple[int, str]],
    *,
    progress: Progress | None = None,
    entry: Callable[[str], Entry] = entry_from_uri,
) -> ImportResult:
    """Numbered lines, one account each (``entry`` reads one: an ``otpauth://`` URI, or
    another list's own line such as WinAuth's)."""
    entries, problems = collect_entries(
        [line for _, line in lines],
        entry,
        label_of=label_of,
        unit="line",
        numbers=[number for number, _ in lines],
        progress=progress,
    )
    return ImportResult(tuple(entries), tuple(problems), total=len(lines))


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    text = decode_text(data)
    if text is None:
        raise DamagedFileError("the URI list is not UTF-8 or UTF-16 text (damaged?)")
    return read_lines(_content_lines(text), progress=progress)


def uri_of(entry: Entry) -> str:
    """The entry's URI; with ente's ``codeDisplay`` when it has a note, groups or favourite."""
    account = entry.account
    if entry.note or entry.groups or entry.favorite:
        extra = tuple((k, v) for k, v in account.extra if k != CODE_DISPLAY)
        display = {"pinned": entry.favorite, "trashed": False, "tags": list(entry.groups)}
        if entry.note:
            display["note"] = entry.note
        value = json.dumps(display, ensure_ascii=False, separators=(",", ":"))
        account = account.replace(extra=(*extra, (CODE_DISPLAY, value)))
    return build_uri(account)


def write(entries: Sequence[Entry], password: str | None = None) -> list[bytes]:
    text = "".join(uri_of(entry) + "\n" for entry in entries)
    return [text.encode("utf-8")]


FORMAT: Final = Format(
    name="otpauth",
    title="otpauth:// URI list",
    summary="plain text, one otpauth:// URI per line (FreeOTP+, ente plain, Aegis, most apps)",
    suffix=".txt",
    detect=detect,
    read=read,
    write=write,
)
