"""Careful reading of untrusted JSON and text: every surprise becomes a documented error.

File-level faults raise :class:`DamagedFileError`; faults inside one entry raise
:class:`EntryError` (which the readers turn into a per-entry problem). Messages name the field
and never quote a value.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import json
from typing import Any

from .base import EntryError
from .errors import DamagedFileError

__all__ = [
    "b64decode",
    "decode_prefix",
    "decode_text",
    "entry_b64decode",
    "entry_bool",
    "entry_int",
    "entry_list",
    "entry_object",
    "entry_str",
    "file_list",
    "file_object",
    "is_broken_json",
    "list_or_empty",
    "load_json",
    "sniff_json",
]


def _text_encoding(data: bytes) -> str:
    """``utf-16`` for UTF-16 text (with a byte-order mark, or without one when the first
    characters are ASCII with a zero byte each, as PowerShell and Notepad write it); else
    ``utf-8-sig`` (UTF-8 with an optional BOM)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:64]
    if len(head) >= 4 and len(head) % 2 == 0:
        if not any(head[1::2]) and all(head[0::2]) and head[0::2].isascii():
            return "utf-16-le"
        if not any(head[0::2]) and all(head[1::2]) and head[1::2].isascii():
            return "utf-16-be"
    return "utf-8-sig"


def decode_text(data: bytes) -> str | None:
    """The file as text, or None when it is not text: UTF-8 (an optional BOM removed) or
    UTF-16 (see :func:`_text_encoding`). Windows line endings are left to ``splitlines``."""
    encoding = _text_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if encoding != "utf-8-sig" and "\x00" in text:
        return None  # binary that happened to start like UTF-16
    return text


def decode_prefix(data: bytes, size: int = 65536) -> str | None:
    """The first ``size`` bytes as text (for sniffing): a character cut at the end is fine."""
    encoding = _text_encoding(data)
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(data[:size], final=False)
    except UnicodeDecodeError:
        return None
    if encoding != "utf-8-sig" and "\x00" in text:
        return None
    return text


@functools.lru_cache(maxsize=4)
def _parse(data: bytes) -> tuple[bool, Any]:
    text = decode_text(data)
    if text is None or text.lstrip()[:1] not in ("{", "["):
        return False, None
    try:
        return True, json.loads(text)
    except (ValueError, RecursionError):
        return False, None


def sniff_json(data: bytes) -> Any:
    """The parsed JSON document, or None when ``data`` is not a JSON object or array.

    Cached, so that auto-detection across every format parses a file once. Callers must not
    modify the returned value.
    """
    ok, value = _parse(data)
    return value if ok else None


def is_broken_json(data: bytes) -> bool:
    """Text that starts like a JSON document but does not parse (a truncated export?)."""
    text = decode_text(data[:16])
    return (
        text is not None
        and text.lstrip()[:1] in ("{", "[")
        and decode_text(data) is not None
        and sniff_json(data) is None
    )


def load_json(data: bytes, title: str) -> Any:
    """Parse ``data`` as JSON or raise :class:`DamagedFileError` naming the file type."""
    ok, value = _parse(data)
    if not ok:
        raise DamagedFileError(f"the {title} file is not valid JSON (truncated or damaged?)")
    return value


def file_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DamagedFileError(f"{where} is not a JSON object")
    return value


def file_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise DamagedFileError(f"{where} is not a list")
    return value


def list_or_empty(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty list (for optional side tables)."""
    return value if isinstance(value, list) else []


def _b64(text: str) -> bytes | None:
    cleaned = "".join(text.split()).replace("-", "+").replace("_", "/").rstrip("=")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def b64decode(text: Any, where: str) -> bytes:
    """Strict standard Base64 (padding optional; whitespace and URL-safe letters accepted);
    :class:`DamagedFileError` naming ``where`` otherwise."""
    if not isinstance(text, str):
        raise DamagedFileError(f"{where} is missing or not text")
    data = _b64(text)
    if data is None:
        raise DamagedFileError(f"{where} is not valid Base64")
    return data


def entry_b64decode(text: Any, field: str) -> bytes:
    """The same for a field of one entry (:class:`EntryError`)."""
    if not isinstance(text, str):
        raise EntryError(field, "is not text")
    data = _b64(text)
    if data is None:
        raise EntryError(field, "is not valid Base64")
    return data


# -- one entry --------------------------------------------------------------------------------
def entry_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EntryError("entry", "is not a JSON object")
    return value


def entry_str(obj: dict[str, Any], key: str, *, default: str = "", required: bool = False) -> str:
    """A text field; null or missing gives ``default`` (or an error when ``required``)."""
    value = obj.get(key)
    if value is None:
        if required:
            raise EntryError(key, "missing")
        return default
    if not isinstance(value, str):
        raise EntryError(key, "is not text")
    return value


def entry_int(obj: dict[str, Any], key: str, default: int | None = None) -> int | None:
    """A whole-number field (numbers written as text are accepted, as some apps do)."""
    value = obj.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        raise EntryError(key, "is not a whole number")
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit() and text.isascii() and len(text) <= 20:
            return int(text)
    if not isinstance(value, int):
        raise EntryError(key, "is not a whole number")
    return value


def entry_bool(obj: dict[str, Any], key: str, default: bool = False) -> bool:
    value = obj.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise EntryError(key, "is not true or false")
    return value


def entry_list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise EntryError(key, "is not a list")
    return value
