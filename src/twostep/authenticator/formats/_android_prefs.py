"""Android SharedPreferences files (``shared_prefs/*.xml``), read without trusting them.

Apps that offer no export keep their accounts in these files; people copy them off a rooted
phone. The file is ``<map>`` holding ``<string name="...">text</string>`` and
``<int|long|boolean|float name="..." value="..."/>`` elements. A document type declaration
(entities) never occurs in a real file and is refused (defusedxml).
"""

from __future__ import annotations

import functools

from ._json import decode_text
from .errors import DamagedFileError

__all__ = ["PrefValue", "parse_prefs", "sniff_prefs"]

PrefValue = str | int | float | bool


def _parse(data: bytes) -> dict[str, PrefValue]:
    import xml.etree.ElementTree as ET

    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    text = decode_text(data)
    if text is None:
        raise DamagedFileError("the preferences file is not UTF-8 text (damaged?)")
    try:
        root = SafeET.fromstring(text, forbid_dtd=True)
    except DefusedXmlException:
        raise DamagedFileError(
            "the preferences file declares a DTD; Android never writes one"
        ) from None
    except ET.ParseError:
        raise DamagedFileError("the preferences XML is not well-formed (truncated?)") from None
    if root.tag != "map":
        raise DamagedFileError("the XML file is not an Android preferences file (no <map>)")
    values: dict[str, PrefValue] = {}
    for child in root:
        name = child.get("name")
        if name is None:
            continue
        if child.tag == "string":
            values[name] = child.text or ""
            continue
        raw = child.get("value")
        if raw is None:
            continue
        try:
            if child.tag in ("int", "long"):
                values[name] = int(raw)
            elif child.tag == "float":
                values[name] = float(raw)
            elif child.tag == "boolean":
                values[name] = raw == "true"
        except ValueError:
            raise DamagedFileError(f"the preference {name[:60]!r} is not a number") from None
    return values


def parse_prefs(data: bytes) -> dict[str, PrefValue]:
    """The preferences as name -> value; :class:`DamagedFileError` when it is not such a file."""
    return dict(_cached(data))


@functools.lru_cache(maxsize=4)
def _cached(data: bytes) -> tuple[tuple[str, PrefValue], ...]:
    return tuple(_parse(data).items())


def sniff_prefs(data: bytes) -> dict[str, PrefValue] | None:
    """The preferences, or None when ``data`` is not an Android preferences file (for detect)."""
    head = data[:256].lstrip()
    if not (head.startswith(b"<?xml") or head.startswith(b"<map")) or b"<map" not in data[:4096]:
        return None
    try:
        return parse_prefs(data)
    except DamagedFileError:
        return None
