"""The rules' path patterns: refused when saved if they can backtrack without end, and searched
with a time limit on every request (a rule runs on every proxied request: a slow pattern would
make every request slow, ReDoS).

- ``check_pattern(pattern) -> str`` the pattern, or ``InvalidUserDataError`` saying why not;
- ``compile_pattern(pattern) -> regex.Pattern[str]`` (the ``regex`` library, in its
  ``re``-compatible mode);
- ``search(pattern, path) -> bool``, or :class:`Unmatchable` when the path is longer than
  ``MAX_MATCHED`` or the search took longer than ``MATCH_TIMEOUT`` (the decision then denies).

Refused when saved: patterns longer than ``MAX_PATTERN``, backreferences (``\\1``,
``(?P=name)``) and conditionals (``(?(1)a|b)``), a quantifier inside an unbounded quantified
group (``(a+)+``, ``(a*)*``, ``(\\w+\\s?)*``) or an unbounded one inside a repeated group
(``(a+){2,9}``), and alternatives inside an unbounded quantified group (``(foo|bar)+``;
one-character alternatives such as ``(a|b)+`` are a character class and are accepted).
What passes can still be slow on a long path (``.*a.*b`` is quadratic): the time limit and
the path length bound that.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, Final

import regex

from ..errors import InvalidUserDataError

__all__ = [
    "MATCH_TIMEOUT",
    "MAX_MATCHED",
    "MAX_PATTERN",
    "Unmatchable",
    "check_pattern",
    "compile_pattern",
    "load_pattern",
    "search",
]

MAX_PATTERN: Final = 500
#: The longest path (with its query string) a path rule is searched in.
MAX_MATCHED: Final = 4096
#: Seconds one pattern may search one path.
MATCH_TIMEOUT: Final = 0.05

# The standard library's parser of regular expressions (what ``re.compile`` reads a pattern
# with): its tree shows the quantifiers and groups. Private, but stable since Python 3.11.
_parser: Any = importlib.import_module("re._parser")
_constants: Any = importlib.import_module("re._constants")
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
_REFERENCES = frozenset({"GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE"})


class Unmatchable(Exception):
    """The path is too long to search, or the search ran out of time."""


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.V0)


def load_pattern(pattern: str) -> regex.Pattern[str] | None:
    """A stored pattern, compiled; None when it no longer compiles (saved before these checks):
    searching it then denies rather than failing every request."""
    try:
        return compile_pattern(pattern)
    except (regex.error, ValueError, RecursionError, OverflowError):
        return None


def search(pattern: regex.Pattern[str] | None, path: str) -> bool:
    if pattern is None:
        raise Unmatchable("a stored path pattern does not compile: save the rule again")
    if len(path) > MAX_MATCHED:
        raise Unmatchable(f"the path is longer than {MAX_MATCHED} characters")
    try:
        return pattern.search(path, timeout=MATCH_TIMEOUT) is not None
    except TimeoutError:
        raise Unmatchable(f"{pattern.pattern!r} took longer than {MATCH_TIMEOUT} s") from None


def _unbounded(high: int) -> bool:
    return bool(high == _constants.MAXREPEAT)


def _why(items: Any, outer: tuple[int, int] | None) -> str | None:
    """Why the parsed ``items`` may backtrack without end; ``outer``: the (min, max) of the
    quantified group they are in."""
    for op, av in items:
        name = str(op)
        if name in _REFERENCES:
            return "backreferences and conditionals are not accepted"
        if name in _REPEATS:
            low, high, inner = av
            if outer is not None and high > 1 and (_unbounded(outer[1]) or _unbounded(high)):
                return "a quantifier inside a repeated group, such as (a+)+, is not accepted"
            found = _why(inner, (low, high) if high > 1 else outer)
        elif name == "BRANCH":
            if outer is not None and _unbounded(outer[1]):
                return "alternatives inside a repeated group, such as (foo|bar)+, are not accepted"
            found = next((w for w in (_why(b, outer) for b in av[1]) if w), None)
        elif name == "SUBPATTERN":
            found = _why(av[3], outer)
        elif name in {"ASSERT", "ASSERT_NOT"}:
            found = _why(av[1], outer)
        elif name == "ATOMIC_GROUP":
            found = _why(av, outer)
        else:
            found = None
        if found:
            return found
    return None


def check_pattern(pattern: str) -> str:
    if len(pattern) > MAX_PATTERN:
        raise InvalidUserDataError("paths", f"A path pattern is longer than {MAX_PATTERN}.")
    try:
        compile_pattern(pattern)
        tree = _parser.parse(pattern)
    except (regex.error, re.error, ValueError, RecursionError, OverflowError) as exc:
        raise InvalidUserDataError(
            "paths", f"{pattern!r} is not a regular expression: {exc}."
        ) from None
    why = _why(tree, None)
    if why:
        raise InvalidUserDataError(
            "paths", f"{pattern!r} could make every request slow: {why} (see docs/forward-auth.md)."
        )
    return pattern
