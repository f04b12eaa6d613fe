"""An access rule as the decision reads it, the rules compiled once per version, and the match.

- ``current(version) -> tuple[Rule, ...]`` the rules in order, compiled (regexes, sets), kept
  in this process until :class:`~.models.SitesVersion` moves (any process's change moves it);
- ``stored_version() -> str`` the version in the database (one indexed read);
- ``match(rules, method, host, path) -> Rule | None`` the first rule for the request;
- ``host_matches(pattern, host)``: ``app.example.com`` is that host only; ``*.example.com``
  is every host under ``example.com`` (not ``example.com`` itself);
- ``check_domain``, ``check_paths``, ``check_methods``: the input checks of :mod:`.sites`.

Paths: each regex is searched in the request's path with its query string (``/a/b?c=d``), as
Python's ``re.search`` (the ``regex`` library, ``re``-compatible, with a time limit: see
:mod:`.patterns` for what is refused when saved); anchor with ``^`` for a prefix. A rule with no
path matches every path, with no method every method. A path rule that cannot be searched (the
path is longer than ``patterns.MAX_MATCHED``, or the search ran out of time) ends the match with
no rule: the default policy, deny.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

import regex
from django.db import connection

from ..errors import InvalidUserDataError
from .models import ProtectedSite, SitesVersion
from .patterns import Unmatchable, check_pattern, load_pattern, search

__all__ = [
    "METHODS",
    "Rule",
    "check_domain",
    "check_methods",
    "check_paths",
    "current",
    "host_matches",
    "match",
    "stored_version",
]

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE")
MAX_PATHS = 20
log = logging.getLogger("twostep.gateway")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class Rule:
    id: int
    number: int  # 1 for the first rule: what the console and the CLI show
    domain: str
    paths: tuple[regex.Pattern[str] | None, ...]
    methods: frozenset[str]
    policy: str
    limited: bool
    group_ids: frozenset[int]
    role_ids: frozenset[int]
    group_names: tuple[str, ...]
    role_keys: tuple[str, ...]

    def matches(self, method: str, host: str, path: str) -> bool:
        return (
            host_matches(self.domain, host)
            and (not self.methods or method in self.methods)
            and (not self.paths or any(search(p, path) for p in self.paths))
        )

    def admits(self, group_ids: frozenset[int], role_id: int | None) -> bool:
        """The user (these groups, this role) is one the rule lets through."""
        if not self.limited:
            return True
        return bool(self.group_ids & group_ids) or role_id in self.role_ids


def host_matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def match(rules: tuple[Rule, ...], method: str, host: str, path: str) -> Rule | None:
    """The first rule for the request; None (deny) also when a path rule cannot be searched."""
    for rule in rules:
        try:
            if rule.matches(method, host, path):
                return rule
        except Unmatchable as exc:
            log.warning("rule %s (%s) left unmatched, denied: %s", rule.number, rule.domain, exc)
            return None
    return None


_lock = threading.Lock()
_cache: dict[str, tuple[str, tuple[Rule, ...]]] = {}


def stored_version() -> str:
    """The rules' version in the database (one indexed read)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version FROM {SitesVersion._meta.db_table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def current(version: str | None = None) -> tuple[Rule, ...]:
    """The rules of ``version`` (read from the database once per version and process);
    without ``version``, of the stored one."""
    if version is None:
        version = stored_version()
    held = _cache.get("rules")
    if held is not None and held[0] == version:
        return held[1]
    with _lock:
        rules = tuple(_load())
        _cache["rules"] = (version, rules)
    return rules


def _load() -> list[Rule]:
    rows = ProtectedSite.objects.order_by("position").prefetch_related("groups", "roles")
    return [
        Rule(
            id=row.pk,
            number=number,
            domain=row.domain,
            paths=tuple(load_pattern(p) for p in row.paths),
            methods=frozenset(row.methods),
            policy=row.policy,
            limited=row.limited,
            group_ids=frozenset(g.pk for g in row.groups.all()),
            role_ids=frozenset(r.pk for r in row.roles.all()),
            group_names=tuple(sorted(g.name for g in row.groups.all())),
            role_keys=tuple(sorted(r.key for r in row.roles.all())),
        )
        for number, row in enumerate(rows, 1)
    ]


def check_domain(value: str) -> str:
    domain = str(value or "").strip().lower().rstrip(".")
    labels = domain[2:].split(".") if domain.startswith("*.") else domain.split(".")
    if not domain or len(domain) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidUserDataError(
            "domain",
            "Give a host name such as app.example.com, or *.example.com for every host under "
            "example.com (no scheme, port or path).",
        )
    return domain


def check_paths(values: list[str]) -> list[str]:
    paths = [str(v) for v in values if str(v).strip()]
    if len(paths) > MAX_PATHS:
        raise InvalidUserDataError("paths", f"At most {MAX_PATHS} path patterns per rule.")
    return [check_pattern(pattern) for pattern in paths]


def check_methods(values: list[str]) -> list[str]:
    methods = sorted({str(v).strip().upper() for v in values if str(v).strip()})
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InvalidUserDataError(
            "methods", f"Unknown HTTP method {unknown[0]}: use {', '.join(METHODS)}."
        )
    return methods
