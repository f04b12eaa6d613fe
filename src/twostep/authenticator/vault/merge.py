"""Merging two copies of a vault's entries so that no change is lost (see :mod:`.changes`).

A *document* is what two copies exchange: ``{"entries": [...], "removed": [...], "clock": N}``
(entries in payload form with their stamps, tombstones, the highest stamp). :func:`merge`:

- an entry only one side has is kept (unless the other side's tombstone for it is newer);
- an entry both sides have is merged group by group (:data:`.changes.GROUPS`): each group takes
  the value with the newest stamp, so a rename here and a new note there both stay; the HOTP
  counter is the highest one either side has for the winning secret;
- a removal wins over the changes made before it, and loses to a change made after it (the
  entry comes back with that change: a removal never silently eats a later edit);
- ties (same stamp: the same change, or a vault file copied by hand) are broken by the content,
  so the result does not depend on which side is "local".

So ``merge(a, b)`` and ``merge(b, a)`` hold the same entries and tombstones (the order of the
entry list is the first side's, then what only the second side has), and ``merge(a, a)`` is
``a``: syncing in either order, or twice, ends in the same vault.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .changes import GROUPS, ZERO, entry_stamp, group_value, stamp_of

__all__ = ["document_of", "merge", "same_content"]

_DOC_KEYS = ("entries", "removed", "clock")


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _stamps(item: Mapping[str, Any]) -> dict[str, Any]:
    stamps = item.get("stamps")
    return stamps if isinstance(stamps, dict) else {}


def _group_key(item: Mapping[str, Any], group: str) -> tuple[tuple[int, str], str]:
    return stamp_of(_stamps(item).get(group)), _canonical(group_value(item, group))


def _counter(item: Mapping[str, Any]) -> int:
    value = item.get("counter", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _merge_entry(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """One entry from two versions (same id), group by group."""
    whole = max((a, b), key=lambda item: (entry_stamp(item), _canonical(item)))
    merged = copy.deepcopy(whole)
    stamps: dict[str, Any] = {}
    for group, keys in GROUPS.items():
        winner = max((a, b), key=lambda item, g=group: _group_key(item, g))  # type: ignore[misc]
        for key in keys:
            if key in winner:
                merged[key] = copy.deepcopy(winner[key])
            else:
                merged.pop(key, None)
        stamps[group] = list(stamp_of(_stamps(winner).get(group)))
    merged["stamps"] = stamps
    otp = group_value(merged, "otp")
    merged["counter"] = max(_counter(v) for v in (a, b) if group_value(v, "otp") == otp)
    created = [c for c in (a.get("created_at"), b.get("created_at")) if c]
    merged["created_at"] = min(created) if created else 0.0
    return merged


def _tombstones(*sides: Iterable[Any]) -> dict[str, tuple[int, str]]:
    newest: dict[str, tuple[int, str]] = {}
    for side in sides:
        for item in side:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                stamp = stamp_of(item.get("stamp"))
                newest[item["id"]] = max(stamp, newest.get(item["id"], ZERO))
    return newest


def _by_id(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        item["id"]: item
        for item in doc.get("entries", ())
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


def _clock(doc: Mapping[str, Any]) -> int:
    clock = doc.get("clock")
    return clock if isinstance(clock, int) and not isinstance(clock, bool) else 0


def merge(local: Mapping[str, Any], remote: Mapping[str, Any]) -> dict[str, Any]:
    """The document holding every change of ``local`` and ``remote`` (see the module doc)."""
    mine = _by_id(local)
    theirs = _by_id(remote)
    removed = _tombstones(local.get("removed", ()), remote.get("removed", ()))
    order = list(mine) + [key for key in theirs if key not in mine]
    entries: list[dict[str, Any]] = []
    for key in order:
        a, b = mine.get(key), theirs.get(key)
        if a is not None and b is not None:
            item = _merge_entry(a, b)
        else:
            only = a if a is not None else b
            assert only is not None
            item = copy.deepcopy(only)
        tomb = removed.get(key)
        if tomb is not None and entry_stamp(item) <= tomb:
            continue
        entries.append(item)
    highest = max(
        [_clock(local), _clock(remote)]
        + [entry_stamp(item)[0] for item in entries]
        + [stamp[0] for stamp in removed.values()]
    )
    return {
        "entries": entries,
        "removed": [{"id": key, "stamp": list(removed[key])} for key in sorted(removed)],
        "clock": highest,
    }


def document_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a vault payload that is synced: entries, tombstones, clock (not this
    copy's device name nor its sync settings)."""
    return {
        "entries": copy.deepcopy(list(payload.get("entries", ()))),
        "removed": copy.deepcopy(list(payload.get("removed", ()))),
        "clock": _clock(payload),
    }


def same_content(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two documents hold the same entries and tombstones (whatever the order)."""

    def key(doc: Mapping[str, Any]) -> tuple[str, str]:
        entries = sorted(doc.get("entries", ()), key=lambda item: str(item.get("id")))
        removed = sorted(doc.get("removed", ()), key=lambda item: str(item.get("id")))
        return _canonical(entries), _canonical(removed)

    return key(a) == key(b)
