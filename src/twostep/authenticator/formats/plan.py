"""What an import adds to a vault: the new entries, the duplicates skipped, the conflicts kept.

- Same issuer, account name and secret as an entry already in the vault (or earlier in the same
  import): a duplicate, skipped.
- Same issuer and account name but another secret: probably a re-enrolled account. Both are
  kept (the new one as a separate entry) and the pair is reported, so the user can delete the
  stale one; guessing which one is current would lose an account.

Issuer and name compare case-insensitively (as :meth:`Entry.same_account` does). Imported
entries get a fresh id when theirs is already taken. Pure: no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from twostep.authenticator.entry import Entry

__all__ = ["Conflict", "ImportPlan", "plan_import"]


@dataclass(frozen=True, slots=True)
class Conflict:
    """``entry`` (imported) has the issuer and name of ``existing`` but another secret."""

    entry: Entry
    existing: Entry


@dataclass(frozen=True, slots=True)
class ImportPlan:
    new: tuple[Entry, ...]  # every entry to add, conflicting ones included
    duplicates: tuple[Entry, ...]  # skipped: already there
    conflicts: tuple[Conflict, ...]  # added, but an entry with the same label exists

    @property
    def changes_vault(self) -> bool:
        return bool(self.new)


def _key(entry: Entry) -> tuple[str, str]:
    return entry.account.issuer.casefold(), entry.account.name.casefold()


def plan_import(existing: Sequence[Entry], incoming: Sequence[Entry]) -> ImportPlan:
    """Linear in the sizes of both (indexes, no search per entry)."""
    by_label: dict[tuple[str, str], list[Entry]] = {}
    seen = {(*_key(entry), entry.account.secret) for entry in existing}
    ids = {entry.id for entry in existing}
    for entry in existing:
        by_label.setdefault(_key(entry), []).append(entry)
    new: list[Entry] = []
    duplicates: list[Entry] = []
    conflicts: list[Conflict] = []
    for entry in incoming:
        same_label = by_label.setdefault(_key(entry), [])
        if (*_key(entry), entry.account.secret) in seen:
            duplicates.append(entry)
            continue
        seen.add((*_key(entry), entry.account.secret))
        if entry.id in ids:
            entry = entry.replace(id=uuid.uuid4().hex)
        if same_label:
            conflicts.append(Conflict(entry, same_label[0]))
        ids.add(entry.id)
        same_label.append(entry)
        new.append(entry)
    return ImportPlan(tuple(new), tuple(duplicates), tuple(conflicts))
