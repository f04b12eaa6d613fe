"""An unlocked vault and the use cases on it: :class:`Authenticator` (find, add, rename,
remove, codes, change the password), with :class:`AddReport` and :class:`CodeResult`.

Every change goes through :meth:`Authenticator.update`: the entries are re-read under the
writer lock, changed, and saved in one atomic write (all or nothing), so concurrent processes
never lose each other's changes. :mod:`.opening` unlocks the vault into one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from twostep.authenticator import paths
from twostep.authenticator.entry import Entry
from twostep.authenticator.errors import (
    DuplicateEntryError,
    NotFoundError,
    UsageError,
)
from twostep.authenticator.names import find_by_name, matches_search
from twostep.authenticator.session import revoke_all_sessions
from twostep.authenticator.vault import Vault
from twostep.otp import OtpType, Secret, seconds_remaining

__all__ = ["AddReport", "Authenticator", "CodeResult", "OnDuplicate"]

T = TypeVar("T")
#: What :meth:`Authenticator.add_entries` does with an entry already in the vault
#: (same issuer, account name and secret): refuse the whole batch, skip it, replace the old
#: entry (keeping its id), or keep both.
OnDuplicate = Literal["error", "skip", "replace", "keep"]


def _entry_key(entry: Entry) -> tuple[str, str, str]:
    return entry.account.issuer, entry.account.name, entry.id


def _duplicate_key(entry: Entry) -> tuple[str, str, Secret]:
    """Equal for two entries exactly when :meth:`Entry.same_account` says they are the same."""
    a = entry.account
    return a.issuer.casefold(), a.name.casefold(), a.secret


@dataclass(frozen=True, slots=True)
class AddReport:
    """What :meth:`Authenticator.add_entries` did."""

    added: tuple[Entry, ...] = ()
    replaced: tuple[Entry, ...] = ()
    skipped: tuple[Entry, ...] = ()


@dataclass(frozen=True, slots=True)
class CodeResult:
    """A code for an entry: ``remaining`` seconds of validity (None for HOTP), and for HOTP the
    counter the code was made with (the vault now holds ``counter + 1``)."""

    entry: Entry
    code: str
    remaining: float | None
    counter: int | None = None


@dataclass(slots=True)
class Authenticator:
    """An unlocked vault and the use cases on it. ``clock`` returns Unix seconds."""

    vault: Vault
    clock: Callable[[], float] = field(default=time.time)
    #: After each change, sync with the server when the vault is registered (never raises).
    auto_sync: bool = True

    @property
    def path(self) -> Path:
        return self.vault.path

    # -- reading --------------------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        """All entries, in vault order."""
        return self.vault.read_entries()

    def find(self, name: str, entries: Sequence[Entry] | None = None) -> Entry:
        """The entry NAME designates (rules in :mod:`twostep.authenticator.names`)."""
        return find_by_name(name, self.entries() if entries is None else entries, _entry_key)

    def search(self, text: str) -> list[Entry]:
        """Entries whose issuer, account name, note or groups contain ``text``."""
        return [e for e in self.entries() if matches_search(text, (e.label, e.note, *e.groups))]

    # -- changing -------------------------------------------------------------------------------
    def update(self, change: Callable[[list[Entry]], T]) -> T:
        """Let ``change`` edit the current entry list in place; save it atomically (nothing is
        saved if ``change`` raises). Returns what ``change`` returns. A registered vault then
        syncs (:func:`twostep.authenticator.sync.engine.after_change`: the change is saved
        whether or not the server can be reached)."""
        result = self.vault.update(change, now=self.clock())
        if self.auto_sync and self.vault.registered:
            from twostep.authenticator.sync.engine import after_change

            after_change(self.vault)
        return result

    def add(self, entry: Entry, *, force: bool = False) -> Entry:
        """Add one entry; :class:`DuplicateEntryError` if it is there already (unless ``force``)."""
        report = self.add_entries([entry], on_duplicate="keep" if force else "error")
        return report.added[0]

    def add_entries(
        self,
        entries: Iterable[Entry],
        *,
        on_duplicate: OnDuplicate = "error",
        progress: Callable[[int, int], None] | None = None,
    ) -> AddReport:
        """Add many entries in one atomic save (all or nothing).

        Duplicates are entries with the same issuer, account name and secret as one in the vault
        or earlier in ``entries`` (:meth:`Entry.same_account`); see :data:`OnDuplicate`. With
        ``"error"`` a duplicate raises :class:`DuplicateEntryError` and nothing is saved.
        Linear in the size of the vault and of ``entries`` (an index, not a search per entry);
        ``progress(done, total)`` is called as the entries are merged.
        """
        new = list(entries)
        now = self.clock()

        def change(current: list[Entry]) -> AddReport:
            added: list[Entry] = []
            replaced: list[Entry] = []
            skipped: list[Entry] = []
            # The first entry of each (issuer, name, secret), by position; ids in use.
            where: dict[tuple[str, str, Secret], int] = {}
            for i, old in enumerate(current):
                where.setdefault(_duplicate_key(old), i)
            ids = {old.id for old in current}
            for done, entry in enumerate(new, 1):
                if not entry.created_at:
                    entry = entry.replace(created_at=now)
                index = where.get(_duplicate_key(entry))
                if index is None or on_duplicate == "keep":
                    if entry.id in ids:
                        entry = entry.replace(id=Entry(entry.account).id)
                    where.setdefault(_duplicate_key(entry), len(current))
                    ids.add(entry.id)
                    current.append(entry)
                    added.append(entry)
                elif on_duplicate == "skip":
                    skipped.append(entry)
                elif on_duplicate == "replace":
                    entry = entry.replace(id=current[index].id)
                    current[index] = entry
                    replaced.append(entry)
                else:
                    raise DuplicateEntryError(
                        f"{entry.label or 'this account'} is already in the vault "
                        "(use --force to add it again)"
                    )
                if progress is not None:
                    progress(done, len(new))
            return AddReport(tuple(added), tuple(replaced), tuple(skipped))

        return self.update(change)

    def add_replacing(
        self, changes: Sequence[tuple[Entry, Sequence[str]]]
    ) -> list[tuple[Entry, int]]:
        """Add entries in one atomic save, each replacing the entries whose ids it comes with.

        An entry with ids takes the place and id of the first of them still in the vault, and
        keeps its note, groups, favourite mark and icon unless it brings its own; the others are
        removed. An entry without ids (or whose ids are all gone meanwhile) is appended. Returns
        each saved entry with the number of entries it replaced (0: added). Used by ``add`` for
        re-enrolments (same issuer and account, new secret).
        """
        now = self.clock()

        def change(current: list[Entry]) -> list[tuple[Entry, int]]:
            saved: list[tuple[Entry, int]] = []
            for entry, old_ids in changes:
                if not entry.created_at:
                    entry = entry.replace(created_at=now)
                places = [i for i, old in enumerate(current) if old.id in old_ids]
                if not places:
                    if any(old.id == entry.id for old in current):
                        entry = entry.replace(id=Entry(entry.account).id)
                    current.append(entry)
                    saved.append((entry, 0))
                    continue
                first = current[places[0]]
                entry = entry.replace(
                    id=first.id,
                    note=entry.note or first.note,
                    groups=entry.groups or first.groups,
                    favorite=entry.favorite or first.favorite,
                    icon=entry.icon or first.icon,
                )
                current[places[0]] = entry
                for i in reversed(places[1:]):
                    del current[i]
                saved.append((entry, len(places)))
            return saved

        return self.update(change)

    def rename(self, name: str, *, issuer: str | None = None, account: str | None = None) -> Entry:
        """Change the issuer and/or account name of the entry NAME designates."""
        if issuer is None and account is None:
            raise UsageError("give a new --issuer and/or --account")

        def change(current: list[Entry]) -> Entry:
            entry = self.find(name, current)
            renamed = entry.replace(
                account=entry.account.replace(
                    issuer=entry.account.issuer if issuer is None else issuer,
                    name=entry.account.name if account is None else account,
                )
            )
            current[current.index(entry)] = renamed
            return renamed

        return self.update(change)

    def remove(self, name: str) -> Entry:
        """Remove the entry NAME designates; return it."""

        def change(current: list[Entry]) -> Entry:
            entry = self.find(name, current)
            current.remove(entry)
            return entry

        return self.update(change)

    def remove_by_id(self, entry_id: str) -> Entry:
        def change(current: list[Entry]) -> Entry:
            for entry in current:
                if entry.id == entry_id:
                    current.remove(entry)
                    return entry
            raise NotFoundError("the entry was removed meanwhile")

        return self.update(change)

    # -- codes ----------------------------------------------------------------------------------
    def code_for(
        self, entry: Entry, *, at: float | None = None, next_code: bool = False
    ) -> CodeResult:
        """The code of ``entry``. TOTP/Steam: at ``at`` (default now), or the next period's with
        ``next_code``. HOTP: the code for the stored counter, and the counter is advanced and
        saved (under the lock, so two processes never get the same HOTP code)."""
        account = entry.account
        if account.type is OtpType.HOTP:
            if next_code:
                raise UsageError(
                    "--next: an HOTP code has no next period; each `code` advances the counter"
                )

            def change(current: list[Entry]) -> CodeResult:
                for i, item in enumerate(current):
                    if item.id == entry.id:
                        counter = item.account.counter
                        code = item.account.generate(counter=counter)
                        current[i] = item.replace(account=item.account.replace(counter=counter + 1))
                        return CodeResult(current[i], code, None, counter)
                raise NotFoundError("the entry was removed meanwhile")

            return self.update(change)
        now = self.clock() if at is None else at
        if next_code:
            now += seconds_remaining(now, account.period)
        return CodeResult(entry, account.generate(now), seconds_remaining(now, account.period))

    def code(self, name: str, *, at: float | None = None, next_code: bool = False) -> CodeResult:
        """The code of the entry NAME designates (see :meth:`code_for`)."""
        return self.code_for(self.find(name), at=at, next_code=next_code)

    # -- keys -----------------------------------------------------------------------------------
    def change_password(self, new_password: str) -> None:
        """New password, new master key, KDF at least as strong; revokes every session."""
        self.vault = self.vault.change_password(new_password, now=self.clock())
        revoke_all_sessions(paths.session_dir(), self.path)
