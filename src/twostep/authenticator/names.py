"""How a NAME on the command line picks an entry.

NAME is compared case-insensitively (Unicode casefold) with each entry's issuer, account name and
``issuer:account`` label, in tiers; the first tier with any match decides:

1. the whole label equals NAME (``github:alice``);
2. the issuer or the account name equals NAME (``github`` or ``alice``);
3. the label, issuer or account name starts with NAME (``git``, ``github:al``);
4. the entry id starts with NAME (at least 4 characters; ``list --json`` shows ids): the way
   to pick one of two entries with the same label.

One match is the entry; several raise :class:`AmbiguousNameError` listing the candidates (with
their ids when labels repeat); none raises :class:`NotFoundError`. Standard library only (the
fast ``code`` path uses it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from twostep.authenticator.errors import AmbiguousNameError, NotFoundError

__all__ = ["describe", "find_by_name", "matches_search"]

T = TypeVar("T")
#: (issuer, account name, id) of an item.
KeyFunc = Callable[[T], tuple[str, str, str]]


def describe(issuer: str, name: str) -> str:
    return f"{issuer}:{name}" if issuer else name


def find_by_name(name: str, items: Sequence[T], key: KeyFunc[T]) -> T:
    """The one item NAME designates (see the module docstring)."""
    wanted = name.strip().casefold()
    if not wanted:
        raise NotFoundError("an empty name matches nothing")
    keyed = [(item, *key(item)) for item in items]
    tiers: list[Callable[[str, str, str, str], bool]] = [
        lambda label, issuer, account, _id: label == wanted,
        lambda label, issuer, account, _id: wanted in (issuer, account),
        lambda label, issuer, account, _id: any(
            s.startswith(wanted) for s in (label, issuer, account)
        ),
        lambda label, issuer, account, item_id: len(wanted) >= 4 and item_id.startswith(wanted),
    ]
    for tier in tiers:
        found = []
        for item, issuer, account, item_id in keyed:
            i, a = issuer.casefold(), account.casefold()
            if tier(describe(i, a), i, a, item_id.casefold()):
                found.append((item, issuer, account, item_id))
        if len(found) == 1:
            return found[0][0]
        if found:
            labels = [describe(i, a) for _, i, a, _ in found]
            repeated = len(set(labels)) < len(labels)
            shown = [
                f"{label}  (id {item_id[:8]})" if repeated else label
                for label, (_, _, _, item_id) in zip(labels, found, strict=True)
            ]
            raise AmbiguousNameError(name, sorted(shown, key=str.casefold))
    raise NotFoundError(f"no entry matches {name!r} (see `twostep-auth list`)")


def matches_search(text: str, fields: Sequence[str]) -> bool:
    """Whether ``text`` occurs (case-insensitively) in any of ``fields``."""
    wanted = text.strip().casefold()
    return any(wanted in f.casefold() for f in fields)
