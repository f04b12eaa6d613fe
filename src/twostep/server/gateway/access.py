"""The decision for one request that a reverse proxy asks about (nginx ``auth_request``, Caddy
``forward_auth``, Traefik ``ForwardAuth``), cheap enough to run on every request.

- ``parse_url(method, url) -> Target | None`` and ``parse_parts(method, proto, host, uri)``:
  what the proxy says the browser asked for (None: unusable, refused);
- ``authorize(target, session_key, load, *, clock) -> Verdict`` the decision: ``ALLOW`` (with
  the user's :class:`Passport` for the ``Remote-*`` headers), ``SIGN_IN`` or ``FORBIDDEN``;
- ``passed_code_step(method) -> bool`` whether a sign-in's method counts as two-step;
- ``explain(target, user, *, clock) -> Explanation`` the console's test: the rule a URL hits and
  what the user would get after a password-only and after a two-step sign-in.

The rule (first match wins, no match: the default policy ``deny``; see :mod:`.rules`), then:
``bypass`` lets anyone through, ``deny`` nobody; ``one_factor`` and ``two_factor`` need a live
session (else ``SIGN_IN``) of an active user whose code lane is not locked, in the rule's groups
or roles when it names some (else ``FORBIDDEN``); ``two_factor`` also needs a session whose
sign-in passed the code step (a code, a recovery code, or a browser remembered after a code,
as the organisation allows: ``SessionFacts.two_factor``).

What it costs. ``load(session_key)`` (the edge's: it reads the Django session) runs once per
session and process; its :class:`SessionFacts` (user, session row, sign-in time, two-step or
not) never change for a session key and are kept in this process. Every request then runs one
statement (indexed reads only): the Django session still exists, its row in the user's list of
sessions (``accounts.sessions``) is there and of the user's current session epoch, the user is
active, not locked, need not change their password, their groups, and the rules' version. So an
administrator's reset (it ends the user's sessions), deactivation, a lockout, sign-out (here or
from the list of sessions) and a password change refuse the very next request, in every process,
without a cache to clear. The rules are compiled once per version (:func:`.rules.current`).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from ..accounts.models import Group, User, WebSession
from ..accounts.signin import IDLE_LIMIT, SESSION_LIMIT, TOUCH_EVERY
from ..attempts.models import Throttle
from ..attempts.throttle import CODE_LOCKOUT_FAILURES
from ..clock import Clock
from .models import BYPASS, DENY, TWO_FACTOR, SitesVersion
from .rules import Rule, current, match, stored_version

__all__ = [
    "Explanation",
    "Outcome",
    "Passport",
    "SessionFacts",
    "Target",
    "Verdict",
    "authorize",
    "explain",
    "parse_parts",
    "parse_url",
    "passed_code_step",
]

MAX_URL = 8192
_METHOD = re.compile(r"[A-Z]{1,16}")
_HOST = re.compile(r"[a-z0-9.-]{1,253}(:[0-9]{1,5})?")
#: The sign-in methods (``web.state.complete_login``) that passed the code step.
CODE_STEP_METHODS = frozenset({"totp", "recovery", "setup", "remembered"})
FACTS_KEPT = 20_000  # sessions whose facts one process keeps (least recently used go first)


class Outcome(Enum):
    ALLOW = "allow"
    SIGN_IN = "sign_in"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Target:
    method: str
    scheme: str
    netloc: str  # host[:port] as the browser sent it (lower case)
    host: str  # without the port
    path: str  # path and query string

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.path}"


@dataclass(frozen=True)
class SessionFacts:
    """What a signed-in session's data says (read once per session key and process)."""

    user_id: int
    row_id: int
    signed_in_at: float
    two_factor: bool


@dataclass(frozen=True)
class Passport:
    username: str
    email: str
    name: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    rule: Rule | None
    reason: str
    passport: Passport | None = None


@dataclass(frozen=True)
class _UserState:
    passport: Passport
    group_ids: frozenset[int]
    role_id: int | None
    two_factor: bool
    locked: bool


@dataclass(frozen=True)
class Explanation:
    rule: Rule | None
    anonymous: Verdict
    one_factor: Verdict
    two_factor: Verdict


def passed_code_step(method: object) -> bool:
    """Whether a sign-in by ``method`` (``web.state``'s record of it) counts for ``two_factor``:
    a code (``totp``), a recovery code, the first code of a setup, or a browser remembered after
    a code (the organisation's setting let it skip the code, as it does everywhere). Not a
    password alone, a postponed setup ("Remind me later"), nor anything unknown (sessions from
    before this was recorded sign in again for two_factor sites)."""
    return method in CODE_STEP_METHODS


def parse_url(method: str | None, url: str | None) -> Target | None:
    """nginx's ``X-Original-URL`` (``$scheme://$http_host$request_uri``) and method."""
    if not url or len(url) > MAX_URL:
        return None
    parts = urlsplit(url)
    return _target(method, parts.scheme, parts.netloc, (parts.path or "/"), parts.query)


def parse_parts(
    method: str | None, proto: str | None, host: str | None, uri: str | None
) -> Target | None:
    """Caddy's and Traefik's ``X-Forwarded-Method/Proto/Host/Uri``."""
    if not host or not uri or len(uri) > MAX_URL or not uri.startswith("/"):
        return None
    path, _, query = uri.partition("?")
    return _target(method, proto or "", host, path, query)


def _target(method: str | None, scheme: str, netloc: str, path: str, query: str) -> Target | None:
    method = (method or "GET").strip().upper()
    scheme = scheme.strip().lower()
    netloc = netloc.strip().lower()
    if (
        scheme not in {"http", "https"}
        or not _METHOD.fullmatch(method)
        or not _HOST.fullmatch(netloc)
        or not path.startswith("/")
        or any(ord(c) < 0x21 or c == "\x7f" for c in path + query)
    ):
        return None
    host = netloc.rsplit(":", 1)[0] if ":" in netloc else netloc
    return Target(method, scheme, netloc, host.rstrip("."), path + (f"?{query}" if query else ""))


# -- the facts of a session, kept per process ---------------------------------------------------

_facts: OrderedDict[str, SessionFacts] = OrderedDict()
_facts_lock = threading.Lock()


def _session_facts(
    session_key: str, load: Callable[[str], SessionFacts | None]
) -> SessionFacts | None:
    facts = _facts.get(session_key)
    if facts is not None:
        return facts
    facts = load(session_key)
    if facts is not None:  # anonymous sessions are not kept: their keys change at sign-in
        with _facts_lock:
            _facts[session_key] = facts
            while len(_facts) > FACTS_KEPT:
                _facts.popitem(last=False)
    return facts


# -- the one statement per request ---------------------------------------------------------------


def _groups_sql(vendor: str) -> str:
    through = User.groups.through._meta.db_table
    group = Group._meta.db_table
    pair = (
        "json_build_array(g.id, g.name)" if vendor == "postgresql" else "json_array(g.id, g.name)"
    )
    agg = "json_agg" if vendor == "postgresql" else "json_group_array"
    return (
        f"(SELECT {agg}({pair}) FROM {through} ug JOIN {group} g ON g.id = ug.group_id "  # noqa: S608
        "WHERE ug.user_id = u.id)"
    )


_SQL: dict[str, str] = {}


def _state_sql() -> str:
    vendor = connection.vendor
    if vendor not in _SQL:
        _SQL[vendor] = (
            "SELECT u.username, u.email, u.display_name, u.role_id, "  # noqa: S608 - table names
            "u.is_active AND NOT u.must_change_password AND u.session_epoch = ws.epoch, "
            "ws.last_seen_at, "
            f"EXISTS (SELECT 1 FROM {Throttle._meta.db_table} t WHERE t.scope = %s AND t.key = %s "
            "AND (t.locked_at IS NOT NULL OR t.failures >= %s)), "
            f"EXISTS (SELECT 1 FROM {Session._meta.db_table} s WHERE s.session_key = %s "
            "AND s.expire_date > %s), "
            f"(SELECT v.version FROM {SitesVersion._meta.db_table} v WHERE v.id = 1), "
            f"{_groups_sql(vendor)} "
            f"FROM {User._meta.db_table} u JOIN {WebSession._meta.db_table} ws "
            "ON ws.user_id = u.id WHERE u.id = %s AND ws.id = %s"
        )
    return _SQL[vendor]


def _live_state(
    session_key: str, facts: SessionFacts, now: datetime
) -> tuple[_UserState | None, str]:
    """The session's user as of now (None: the session is no longer signed in), and the
    rules' version."""
    with connection.cursor() as cursor:
        cursor.execute(
            _state_sql(),
            [
                Throttle.CODE,
                str(facts.user_id),
                CODE_LOCKOUT_FAILURES,
                session_key,
                timezone.now(),  # Django's session expiry is in real time, not the clock's
                facts.user_id,
                facts.row_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None, stored_version()
    username, email, name, role_id, valid, last_seen, locked, exists, version, groups = row
    version = str(version or "")
    if isinstance(last_seen, str):  # SQLite's raw cursor
        last_seen = datetime.fromisoformat(last_seen)
    if last_seen.tzinfo is None:  # SQLite keeps UTC without an offset
        last_seen = last_seen.replace(tzinfo=UTC)
    if (
        not valid
        or not exists
        or now.timestamp() - facts.signed_in_at > SESSION_LIMIT.total_seconds()
        or now - last_seen > IDLE_LIMIT
    ):
        return None, version
    if now - last_seen > TOUCH_EVERY:  # the list of sessions shows the last use
        WebSession.objects.filter(pk=facts.row_id).update(last_seen_at=now)
    pairs: list[Any] = json.loads(groups) if isinstance(groups, str) else (groups or [])
    passport = Passport(
        username=username,
        email=email or "",
        name=name or username,
        groups=tuple(sorted(str(p[1]) for p in pairs)),
    )
    state = _UserState(
        passport=passport,
        group_ids=frozenset(int(p[0]) for p in pairs),
        role_id=role_id,
        two_factor=facts.two_factor,
        locked=bool(locked),
    )
    return state, version


# -- the decision ---------------------------------------------------------------------------------


def _decide(rule: Rule | None, user: _UserState | None) -> Verdict:
    passport = user.passport if user is not None else None
    if rule is None:
        return Verdict(Outcome.FORBIDDEN, None, "No rule matches: the default policy is deny.")
    if rule.policy == BYPASS:
        return Verdict(Outcome.ALLOW, rule, "The rule lets everyone through (bypass).", passport)
    if rule.policy == DENY:
        return Verdict(Outcome.FORBIDDEN, rule, "The rule lets nobody through (deny).")
    if user is None:
        return Verdict(Outcome.SIGN_IN, rule, "The rule needs a signed-in user.")
    if user.locked:
        return Verdict(Outcome.FORBIDDEN, rule, "The account is locked after too many wrong codes.")
    if not rule.admits(user.group_ids, user.role_id):
        return Verdict(
            Outcome.FORBIDDEN, rule, "The user is in none of the rule's groups or roles."
        )
    if rule.policy == TWO_FACTOR and not user.two_factor:
        return Verdict(
            Outcome.FORBIDDEN, rule, "The rule needs a sign-in with two-step verification."
        )
    return Verdict(Outcome.ALLOW, rule, "The user may pass.", passport)


def authorize(
    target: Target,
    session_key: str | None,
    load: Callable[[str], SessionFacts | None],
    *,
    clock: Clock,
) -> Verdict:
    user: _UserState | None = None
    facts = _session_facts(session_key, load) if session_key else None
    if facts is not None and session_key:
        user, version = _live_state(session_key, facts, clock())
    else:
        version = stored_version()
    rule = match(current(version), target.method, target.host, target.path)
    return _decide(rule, user)


def explain(target: Target, user: User | None) -> Explanation:
    """What the rules say about ``target`` for ``user`` (None: anonymous), as if signed in now
    with a password only and with two-step verification."""
    rule = match(current(stored_version()), target.method, target.host, target.path)
    if user is None:
        anonymous = _decide(rule, None)
        return Explanation(rule, anonymous, anonymous, anonymous)
    groups = list(user.groups.all())
    passport = Passport(
        user.username, user.email or "", user.name, tuple(sorted(g.name for g in groups))
    )
    locked = (
        Throttle.objects.filter(scope=Throttle.CODE, key=str(user.pk))
        .filter(Q(locked_at__isnull=False) | Q(failures__gte=CODE_LOCKOUT_FAILURES))
        .exists()
    )

    def as_user(two_factor: bool) -> Verdict:
        if not user.is_active:
            verdict = _decide(rule, None)
            if verdict.outcome == Outcome.SIGN_IN:
                return Verdict(
                    Outcome.SIGN_IN, rule, "The user is deactivated: they cannot sign in."
                )
            return verdict
        state = _UserState(
            passport, frozenset(g.pk for g in groups), user.role_id, two_factor, locked
        )
        return _decide(rule, state)

    return Explanation(rule, _decide(rule, None), as_user(False), as_user(True))
