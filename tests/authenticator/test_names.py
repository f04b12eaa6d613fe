"""How NAME picks an entry: exact label, then exact issuer/account, then prefix, then id."""

from __future__ import annotations

import pytest

from twostep.authenticator.errors import AmbiguousNameError, NotFoundError
from twostep.authenticator.names import find_by_name

ITEMS = [
    ("GitHub", "alice", "0a1b2c3d4e"),
    ("GitHub", "bob", "1f2e3d4c5b"),
    ("GitLab", "alice", "2a2a2a2a2a"),
    ("ACME Co", "carol@example.com", "3b3b3b3b3b"),
    ("", "solo", "4c4c4c4c4c"),
    ("Ünïcode", "Straße", "5d5d5d5d5d"),
]


def pick(name: str) -> tuple[str, str, str]:
    return find_by_name(name, ITEMS, lambda item: item)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("github:alice", ITEMS[0]),
        ("GITHUB:ALICE", ITEMS[0]),
        ("  github:bob ", ITEMS[1]),
        ("bob", ITEMS[1]),
        ("gitl", ITEMS[2]),
        ("acme", ITEMS[3]),
        ("carol", ITEMS[3]),
        ("acme co:car", ITEMS[3]),
        ("solo", ITEMS[4]),
        ("ünï", ITEMS[4 + 1]),
        ("STRASSE", ITEMS[5]),  # casefold: ß == ss
        ("0a1b", ITEMS[0]),  # id prefix, 4 characters or more
    ],
)
def test_name_picks_the_entry(name: str, expected: tuple[str, str, str]) -> None:
    assert pick(name) == expected


@pytest.mark.parametrize(
    ("name", "candidates"),
    [
        ("github", ("GitHub:alice", "GitHub:bob")),
        ("git", ("GitHub:alice", "GitHub:bob", "GitLab:alice")),
        ("alice", ("GitHub:alice", "GitLab:alice")),
    ],
)
def test_ambiguous_name_lists_the_candidates(name: str, candidates: tuple[str, ...]) -> None:
    with pytest.raises(AmbiguousNameError) as caught:
        pick(name)
    assert caught.value.candidates == candidates
    assert caught.value.exit_code == 5
    for label in candidates:
        assert label in str(caught.value)


def test_exact_match_beats_prefix() -> None:
    items = [("Git", "me", "a" * 10), ("GitHub", "me", "b" * 10)]
    assert find_by_name("git", items, lambda item: item) == items[0]


@pytest.mark.parametrize("name", ["gitea", "", "   ", "0a1", "zzzz"])
def test_no_match_is_not_found(name: str) -> None:
    with pytest.raises(NotFoundError):
        pick(name)
