"""The vault payload: entries as JSON (before encryption).

Payload v1::

    {"generation": 7, "saved_at": 1795000000.0,
     "entries": [{"id": "...", "issuer": "ACME", "name": "alice", "type": "totp",
                  "secret": "BASE32", "algorithm": "SHA1", "digits": 6, "period": 30,
                  "counter": 0, "extra": [["k", "v"]], "note": "", "groups": [],
                  "favorite": false, "icon": {"mime": "image/png", "data": "BASE64"} | null,
                  "created_at": 0.0,
                  "stamps": {"label": [1795000000000, "3f2a..."], "otp": [...], ...}}, ...],
     "removed": [{"id": "...", "stamp": [1795000000000, "3f2a..."]}, ...],
     "clock": 1795000000000, "device": "3f2a...",
     "sync": {...}}

``stamps``, ``removed``, ``clock`` and ``device`` are the change metadata used to merge two
copies (:mod:`.changes`, :mod:`.merge`); vaults written before them have none, which reads as
"older than any change". ``sync`` is the local sync state (:mod:`twostep.authenticator.sync`).

Unknown top-level keys of the payload are kept when saving, so an older program does not drop
what a newer one added. :func:`load_payload` is defined in :mod:`.sealed` (the fast ``code``
path reads the payload with it, without building :class:`~twostep.authenticator.entry.Entry`
objects: see :mod:`twostep.authenticator.fastpath`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from twostep.authenticator.entry import Entry, Icon
from twostep.otp import Account, Algorithm, OtpType, Secret

from .sealed import load_payload

__all__ = ["decode_entries", "encode_payload", "entry_from_dict", "entry_to_dict", "load_payload"]


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    a = entry.account
    return {
        "id": entry.id,
        "issuer": a.issuer,
        "name": a.name,
        "type": a.type.value,
        "secret": a.secret.base32,
        "algorithm": a.algorithm.value,
        "digits": a.digits,
        "period": a.period,
        "counter": a.counter,
        "extra": [list(kv) for kv in a.extra],
        "note": entry.note,
        "groups": list(entry.groups),
        "favorite": entry.favorite,
        "icon": (
            None
            if entry.icon is None
            else {"mime": entry.icon.mime, "data": base64.b64encode(entry.icon.data).decode()}
        ),
        "created_at": entry.created_at,
    }


def entry_from_dict(data: dict[str, Any]) -> Entry:
    account = Account(
        secret=Secret.from_base32(data["secret"]),
        type=OtpType(data["type"]),
        issuer=data["issuer"],
        name=data["name"],
        algorithm=Algorithm.parse(data["algorithm"]),
        digits=data["digits"],
        period=data["period"],
        counter=data["counter"],
        extra=tuple((str(k), str(v)) for k, v in data.get("extra", ())),
    )
    icon = data.get("icon")
    return Entry(
        account=account,
        id=data["id"],
        note=data.get("note", ""),
        groups=tuple(data.get("groups", ())),
        favorite=bool(data.get("favorite", False)),
        icon=None if not icon else Icon(icon["mime"], base64.b64decode(icon["data"])),
        created_at=float(data.get("created_at", 0.0)),
    )


def decode_entries(payload: dict[str, Any]) -> list[Entry]:
    return [entry_from_dict(item) for item in payload["entries"]]


def encode_payload(
    entries: Sequence[dict[str, Any]],
    *,
    generation: int,
    saved_at: float,
    previous: dict[str, Any],
) -> bytes:
    """The payload JSON for entries already in dictionary form (:func:`entry_to_dict`);
    top-level keys of ``previous`` it does not know are kept."""
    payload = {k: v for k, v in previous.items() if k not in ("entries", "generation", "saved_at")}
    payload.update(
        generation=generation,
        saved_at=saved_at,
        entries=list(entries),
    )
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
