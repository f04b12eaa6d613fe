"""Change metadata of the vault: what changed, when and where, so that two copies can be merged.

Each entry (payload form, :mod:`.codec`) carries ``"stamps"``: for each *field group* the stamp
of its last change, ``[milliseconds, device]``. The groups change independently, so a rename on
one computer and a new note on another both survive a merge:

=============  ======================================================================
``label``      ``issuer``, ``name``
``otp``        ``type``, ``secret``, ``algorithm``, ``digits``, ``period``, ``extra``
``note``       ``note``
``groups``     ``groups``
``favorite``   ``favorite``
``icon``       ``icon``
=============  ======================================================================

The HOTP ``counter`` has no stamp: merged, it is the highest counter seen for the winning secret
(an older counter would give codes the server has already accepted).

A removal leaves a *tombstone* in the payload's ``"removed"`` list: ``{"id", "stamp"}``, no
secret and no name. The payload's ``"clock"`` is the highest stamp it has seen and ``"device"``
a random name for this vault copy. Stamps come from a hybrid logical clock (:func:`next_stamp`):
the wall clock in milliseconds, but always above every stamp already seen, so a computer whose
clock is behind still orders its own changes after what it has synced.

Entries written before this existed have no stamps: they count as ``[0, ""]`` (older than any
change), so an old vault opens and merges as it is (nothing to migrate, nothing lost).
:func:`record_changes` is called by :meth:`Vault.update <.core.Vault.update>` on every save.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Final

__all__ = [
    "GROUPS",
    "ZERO",
    "device_of",
    "entry_stamp",
    "group_value",
    "next_stamp",
    "record_changes",
    "stamp_of",
]

GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "label": ("issuer", "name"),
    "otp": ("type", "secret", "algorithm", "digits", "period", "extra"),
    "note": ("note",),
    "groups": ("groups",),
    "favorite": ("favorite",),
    "icon": ("icon",),
}
#: The stamp of a change made before stamps existed.
ZERO: Final[tuple[int, str]] = (0, "")


def stamp_of(value: object) -> tuple[int, str]:
    """A stored stamp (``[ms, device]``) as a comparable tuple; anything malformed is ZERO."""
    if isinstance(value, list | tuple) and len(value) == 2:
        ms, device = value
        if isinstance(ms, int) and not isinstance(ms, bool) and isinstance(device, str):
            return ms, device
    return ZERO


def group_value(item: Mapping[str, Any], group: str) -> list[Any]:
    return [item.get(key) for key in GROUPS[group]]


def entry_stamp(item: Mapping[str, Any]) -> tuple[int, str]:
    """The newest change of an entry (over all its groups)."""
    stamps = item.get("stamps")
    if not isinstance(stamps, dict):
        return ZERO
    return max((stamp_of(stamps.get(g)) for g in GROUPS), default=ZERO)


def device_of(payload: dict[str, Any]) -> str:
    """This vault copy's device name (created, and kept in ``payload``, on first use)."""
    device = payload.get("device")
    if not isinstance(device, str) or not device:
        device = secrets.token_hex(8)
        payload["device"] = device
    return device


def next_stamp(payload: dict[str, Any], now: float) -> tuple[int, str]:
    """A stamp above every stamp ``payload`` has seen, and at least the wall clock ``now``;
    advances the payload's clock."""
    clock = payload.get("clock")
    last = clock if isinstance(clock, int) and not isinstance(clock, bool) else 0
    ms = max(int(now * 1000), last + 1)
    payload["clock"] = ms
    return ms, device_of(payload)


def record_changes(
    payload: dict[str, Any], new_entries: Sequence[dict[str, Any]], now: float
) -> list[dict[str, Any]]:
    """Stamp what differs between ``payload["entries"]`` (before) and ``new_entries`` (after).

    New entries get a stamp for every group; a changed group gets a new stamp, an unchanged one
    keeps its own; an entry that is gone gets a tombstone in ``payload["removed"]``. Returns
    ``new_entries`` with their ``"stamps"`` (the dictionaries are changed in place). The clock
    only advances when something changed."""
    before = {item.get("id"): item for item in payload.get("entries", ())}
    stamp: tuple[int, str] | None = None

    def fresh() -> list[Any]:
        nonlocal stamp
        if stamp is None:
            stamp = next_stamp(payload, now)
        return list(stamp)

    seen: set[Any] = set()
    for item in new_entries:
        seen.add(item.get("id"))
        old = before.get(item.get("id"))
        old_stamps = old.get("stamps") if old is not None else None
        if not isinstance(old_stamps, dict):
            old_stamps = {}
        stamps: dict[str, Any] = {}
        for group in GROUPS:
            if old is not None and group_value(old, group) == group_value(item, group):
                stamps[group] = list(stamp_of(old_stamps.get(group)))
            else:
                stamps[group] = fresh()
        item["stamps"] = stamps
    gone = [key for key in before if key not in seen]
    if gone:
        removed = [t for t in payload.get("removed", ()) if t.get("id") not in set(gone)]
        removed += [{"id": key, "stamp": fresh()} for key in gone]
        payload["removed"] = removed
    return list(new_entries)
