"""Path patterns that would make every proxied request slow (ReDoS) are refused when saved,
and what is searched is bounded (path length, time)."""

from __future__ import annotations

import pytest

from twostep.server.clock import FakeClock
from twostep.server.errors import InvalidUserDataError
from twostep.server.gateway import patterns
from twostep.server.gateway.models import ProtectedSite, SitesVersion
from twostep.server.gateway.rules import check_paths, current, match
from twostep.server.gateway.sites import add_site

CATASTROPHIC = [
    r"^(a+)+$",
    r"^/(\w+\s?)*$",
    r"(a*)*b",
    r"^(a|a)+$",
    r"^/(foo|bar)+/x",
    r"(x+){2,9}y",
    r"^/(\d+)/\1$",
    r"(?P<n>a)(?P=n)",
    r"^(a)?(?(1)b|c)",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_backtracking_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(InvalidUserDataError, match="could make every request slow"):
        check_paths([pattern])


@pytest.mark.parametrize(
    "pattern",
    [r"^/admin", r"^/api/v[0-9]+/", r"\.php$", r"^/(a|b)+/", r"^/(static|media)/", r".*\.js$"],
)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    assert check_paths([pattern]) == [pattern]


def test_long_and_broken_patterns_are_refused() -> None:
    with pytest.raises(InvalidUserDataError, match="longer than"):
        check_paths(["a" * (patterns.MAX_PATTERN + 1)])
    with pytest.raises(InvalidUserDataError, match="not a regular expression"):
        check_paths(["^/(unclosed"])


@pytest.mark.django_db
def test_a_rule_with_a_backtracking_pattern_is_not_saved(clock: FakeClock) -> None:
    with pytest.raises(InvalidUserDataError):
        add_site("app.example.test", policy="bypass", paths=[r"^/(a+)+$"], clock=clock)
    assert current() == ()


@pytest.mark.django_db
def test_a_path_too_long_to_search_is_denied(clock: FakeClock) -> None:
    add_site("app.example.test", policy="deny", paths=[r"^/admin"], clock=clock)
    add_site("app.example.test", policy="bypass", clock=clock)
    rules = current()
    assert match(rules, "GET", "app.example.test", "/x").policy == "bypass"  # type: ignore[union-attr]
    long = "/x?" + "a" * patterns.MAX_MATCHED
    assert match(rules, "GET", "app.example.test", long) is None  # default: deny


def test_a_slow_search_is_cut_off() -> None:
    # Polynomial, so accepted when saved (seconds on this path without the time limit).
    slow = patterns.compile_pattern(r"a.*a.*a.*a.*a.*a.*b")
    assert patterns.search(slow, "/aaaaaab")
    with pytest.raises(patterns.Unmatchable, match="took longer"):
        patterns.search(slow, "/" + "a" * (patterns.MAX_MATCHED - 1))


@pytest.mark.django_db
def test_a_stored_pattern_that_no_longer_compiles_denies(clock: FakeClock) -> None:
    add_site("app.example.test", policy="bypass", paths=["^/x"], clock=clock)
    ProtectedSite.objects.update(paths=["^/(unclosed"])  # saved before these checks
    SitesVersion.objects.update(version="changed")
    assert match(current(), "GET", "app.example.test", "/x") is None  # default: deny
