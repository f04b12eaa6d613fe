"""A vault entry: an OTP account plus what authenticator apps keep beside it.

Everything foreign formats carry (note, groups/tags, icon, favourite) has a place here, so an
import followed by an export loses nothing. Entries are immutable values; use ``replace``.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field

from twostep.otp import Account

__all__ = ["Entry", "Icon"]


@dataclass(frozen=True, slots=True)
class Icon:
    """An entry's picture: ``mime`` is image/png, image/jpeg or image/svg+xml."""

    mime: str
    data: bytes

    def __repr__(self) -> str:
        return f"Icon({self.mime!r}, <{len(self.data)} bytes>)"


@dataclass(frozen=True, slots=True)
class Entry:
    account: Account
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    note: str = ""
    groups: tuple[str, ...] = ()
    favorite: bool = False
    icon: Icon | None = None
    created_at: float = 0.0  # Unix seconds; 0 when unknown

    @property
    def label(self) -> str:
        return self.account.label

    def replace(self, **changes: object) -> Entry:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def same_label(self, other: Entry) -> bool:
        """Same issuer and account name (case-insensitive): the same account at the same service,
        whatever its secret (a re-enrolment gives a new one)."""
        a, b = self.account, other.account
        return a.issuer.casefold() == b.issuer.casefold() and a.name.casefold() == b.name.casefold()

    def same_account(self, other: Entry) -> bool:
        """Same issuer, account name and secret (a duplicate, whatever else differs)."""
        return self.same_label(other) and self.account.secret == other.account.secret
