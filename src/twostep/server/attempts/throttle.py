"""Throttling: how many attempts an account and a client network get, and how fast.

Three lanes, all across sessions and processes (RFC 4226 §7.3, NIST SP 800-63B §5.2.2):

``code`` (per account): one-time codes, recovery codes and step-up codes. After ``n``
    consecutive failures the next attempt waits :func:`code_delay` (n) = min(2^(n-1), 300)
    seconds; after :data:`CODE_LOCKOUT_FAILURES` consecutive failures the account's code lane is
    locked until an administrator calls :func:`unlock` (``usecases.enrolment.unlock``) or the
    owner signs in with a recovery code (the ``recovery`` lane). A success resets it.
``password`` (per account, or per typed name when no such account exists, so an unknown name
    behaves like a known one): :func:`password_delay` (n) = 0 for the first 5 failures, then
    min(2^(n-5), 300) seconds. Never locks (anyone who knows a username could lock it).
``device`` (per known device): the password failures of a browser or app that completed a
    sign-in to this account before and shows its signed device token (``accounts.known_devices``,
    the OWASP "device cookies" pattern); the same delays as ``password``. Such a device is judged
    on its own failures only, so an attacker's wrong passwords (on the ``password`` lane) cannot
    keep the owner out, and a stolen device token gets no more guesses than this lane allows.
``recovery`` (per account): recovery codes while the ``code`` lane is locked, the owner's way
    back without an administrator: :func:`recovery_delay` (n) = 0 for the first 5 failures, then
    min(2^(n-5), 60) seconds. Never locks; a success there unlocks the ``code`` lane. With 10
    unused 80-bit codes a guess succeeds with chance 10 / 2^80 (8e-24): at most about 43,200
    guesses in 30 days (one a minute) make 4e-19, so the cap is chosen for the owner (who waits
    at most a minute) and for the server (each guess costs 10 PBKDF2 checks), not for the bound.
``address`` (per client IPv4 address or IPv6 /64): password and code failures from anywhere on
    it, in Redis or the database; kept in :mod:`.network` (its functions are re-exported here
    for the callers that check an account and its network together).
``reset`` (per account, or per typed address when no account has it) and ``reset_network``
    (per client network): password reset links asked for ("Forgot password"). Every request
    counts; :func:`reset_delay` (n) = 0 for the first 3, then min(2^(n-4) minutes, 1 hour), and
    :func:`reset_network_delay` the same after 10 (a shared office network). A completed reset
    clears the account's count. So a mailbox gets at most a few links, then one an hour.

Account lanes are *claimed* before a code is checked: the claim is one conditional UPDATE that
counts the attempt as a failure in advance and sets the next allowed time; a success then
resets the counter. So two parallel requests cannot both get an attempt in, and a request that
dies half-way counts as a failure (fail closed).

With window ±1 each guess covers at most 3 of the 10^6 codes; an attacker who has the password
gets at most :data:`CODE_LOCKOUT_FAILURES` guesses before the lockout (the 30-day bound is tested
and printed by ``tests/server/test_bruteforce.py``): 20 x 3 / 10^6 = 6e-5 < 1e-4.

Functions: ``claim(lane, key, *, clock, user=None, fast=True) -> Claim``,
``claim_statement(lane, key, now, *, key_sql="%s") -> (sql, params) | None`` (the usual claim
as one statement, for a caller that writes more in it or finds the account in it),
``succeed(claim, *, clock)``,
``fail(claim, *, clock) -> bool`` (True when this failure locked the account),
``status(lane, key, *, clock) -> Status``, ``unlock(user, *, clock)``,
and from :mod:`.network`: ``check_address(address, *, clock)``,
``fail_address(address, *, clock)``, ``network_of(address) -> str | None``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.db import connection
from django.db.models import Model

from .. import metrics
from ..clock import Clock
from ..errors import LockedOutError, ThrottledError
from .models import Throttle
from .network import address_delay, check_address, fail_address, network_of
from .rows import CODE_DELAY_CAP, lane_row, seconds_until

__all__ = [
    "CODE_DELAY_CAP",
    "CODE_LOCKOUT_FAILURES",
    "Claim",
    "Status",
    "address_delay",
    "check_address",
    "claim",
    "code_delay",
    "fail",
    "fail_address",
    "network_of",
    "password_delay",
    "recovery_delay",
    "reset_delay",
    "reset_network_delay",
    "status",
    "succeed",
    "unlock",
]

CODE_LOCKOUT_FAILURES: Final = 20
PASSWORD_FREE_FAILURES: Final = 5
RECOVERY_FREE_FAILURES: Final = 5
RECOVERY_DELAY_CAP: Final = 60
RESET_FREE_REQUESTS: Final = 3
RESET_NETWORK_FREE_REQUESTS: Final = 10
RESET_DELAY_CAP: Final = 3600


def code_delay(failures: int) -> int:
    return 0 if failures <= 0 else min(int(2 ** min(failures - 1, 20)), CODE_DELAY_CAP)


def password_delay(failures: int) -> int:
    if failures <= PASSWORD_FREE_FAILURES:
        return 0
    return min(int(2 ** min(failures - PASSWORD_FREE_FAILURES, 20)), CODE_DELAY_CAP)


def recovery_delay(failures: int) -> int:
    if failures <= RECOVERY_FREE_FAILURES:
        return 0
    return min(int(2 ** min(failures - RECOVERY_FREE_FAILURES, 20)), RECOVERY_DELAY_CAP)


def reset_delay(failures: int) -> int:
    if failures <= RESET_FREE_REQUESTS:
        return 0
    return min(60 * int(2 ** min(failures - RESET_FREE_REQUESTS - 1, 20)), RESET_DELAY_CAP)


def reset_network_delay(failures: int) -> int:
    if failures <= RESET_NETWORK_FREE_REQUESTS:
        return 0
    return min(60 * int(2 ** min(failures - RESET_NETWORK_FREE_REQUESTS - 1, 20)), RESET_DELAY_CAP)


_DELAYS = {
    Throttle.CODE: code_delay,
    Throttle.PASSWORD: password_delay,
    Throttle.DEVICE: password_delay,
    Throttle.RECOVERY: recovery_delay,
    Throttle.RESET: reset_delay,
    Throttle.RESET_NETWORK: reset_network_delay,
}
_DELAY_CAP_BY_LANE = {
    Throttle.CODE: CODE_DELAY_CAP,
    Throttle.PASSWORD: CODE_DELAY_CAP,
    Throttle.DEVICE: CODE_DELAY_CAP,
    Throttle.RECOVERY: RECOVERY_DELAY_CAP,
    Throttle.RESET: RESET_DELAY_CAP,
    Throttle.RESET_NETWORK: RESET_DELAY_CAP,
}


@dataclass(frozen=True)
class Claim:
    lane: str
    key: str
    row_id: int
    failures: int  # counting this attempt
    logged: Any = None  # the audit row written with the claim (mfa.statements), if any


@dataclass(frozen=True)
class Status:
    failures: int
    locked: bool
    retry_after: int  # seconds until the next attempt is allowed (0: now)
    locked_at: datetime | None = None


def _claim_in_one(lane: str, key: str, now: datetime) -> Claim | None:
    """The usual case in one statement: the row exists and allows an attempt now.

    The same conditional UPDATE as :func:`claim`'s (allowed now, not locked, under the lockout
    count), with the next allowed time chosen in SQL by the current count (``CASE``) and the
    new count returned (``RETURNING``). None when it matched no row (no row yet, a delay, a
    lockout: :func:`claim` then looks at the row) or the database cannot do this.
    """
    statement = claim_statement(lane, key, now)
    if statement is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        found = cursor.fetchone()
    if found is None:
        return None
    return Claim(lane=lane, key=key, row_id=found[0], failures=found[1])


def claim_statement(
    lane: str, key: str | None, now: datetime, *, key_sql: str = "%s"
) -> tuple[str, list[Any]] | None:
    """``(sql, params)`` of the one-statement claim (``RETURNING id, failures``; no row when
    it does not apply), for :func:`claim` and for a caller that writes more in the same
    statement; None when the database cannot return rows from an UPDATE. ``key_sql``: an SQL
    expression for the key instead of the parameter ``key`` (which is then None), for a
    statement that finds the account too."""
    if not _returning_supported():
        return None
    sql, per_count = _claim_sql(lane, connection.vendor, key_sql)
    adapt = connection.ops.adapt_datetimefield_value
    at = adapt(now)
    params: list[Any]
    if per_count:  # SQLite: one parameter per possible next time
        params = [adapt(now + timedelta(seconds=s)) for s in _delay_steps(lane)[1]]
    else:  # PostgreSQL: now + the delay in seconds, computed in SQL
        params = [at]
    params += [at, lane, *([key] if key_sql == "%s" else []), at]
    if lane == Throttle.CODE:
        params.append(CODE_LOCKOUT_FAILURES)
    return sql, params


@functools.cache
def _delay_steps(lane: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The current counts below the cap and the delay the next failure brings for each, then
    the cap: ``([0, 1, ...], [d1, d2, ..., cap])``."""
    delay = _DELAYS[lane]
    counts: list[int] = []
    while delay(len(counts) + 1) < _DELAY_CAP_BY_LANE[lane]:
        counts.append(len(counts))
    return tuple(counts), (*(delay(n + 1) for n in counts), _DELAY_CAP_BY_LANE[lane])


@functools.cache
def _claim_sql(lane: str, vendor: str, key_sql: str = "%s") -> tuple[str, bool]:
    """The claim statement for ``lane`` (text made once per key expression); True if it takes
    one parameter per possible next time (SQLite keeps datetimes as text, so no date
    arithmetic in SQL there)."""
    counts, delays = _delay_steps(lane)
    per_count = vendor != "postgresql"
    if per_count:
        whens = " ".join(f"WHEN {n} THEN %s" for n in counts)
        next_time = f"CASE failures {whens} ELSE %s END"
    else:
        whens = " ".join(f"WHEN {n} THEN {d}" for n, d in zip(counts, delays, strict=False))
        next_time = f"%s + (CASE failures {whens} ELSE {delays[-1]} END) * INTERVAL '1 second'"
    table = connection.ops.quote_name(Throttle._meta.db_table)
    key = connection.ops.quote_name("key")
    limit = "AND failures < %s" if lane == Throttle.CODE else ""
    # Only quoted names, integers made here, "%s" placeholders and the caller's key expression
    # (made of the same) are put into the text.
    sql = (
        f"UPDATE {table} SET failures = failures + 1, "  # noqa: S608
        f"next_attempt_at = {next_time}, last_failure_at = %s "
        f"WHERE scope = %s AND {key} = {key_sql} AND next_attempt_at <= %s "
        f"AND locked_at IS NULL {limit} RETURNING id, failures"
    )
    return sql, per_count


def _returning_supported() -> bool:
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35)
    return False


def claim(
    lane: str, key: str, *, clock: Clock, user: Model | None = None, fast: bool = True
) -> Claim:
    """Reserve one attempt; raises :class:`ThrottledError` or :class:`LockedOutError`.
    ``fast=False``: the caller ran :func:`claim_statement` already and it matched no row."""
    if fast:
        claimed = _claim_in_one(lane, key, clock())
        if claimed is not None:
            return claimed
    delay = _DELAYS[lane]
    for _ in range(5):
        now = clock()
        row = lane_row(lane, key, user)
        if lane == Throttle.CODE and (
            row.locked_at is not None or row.failures >= CODE_LOCKOUT_FAILURES
        ):
            metrics.throttled(lane)
            raise LockedOutError()
        if row.next_attempt_at > now:
            metrics.throttled(lane)
            wait = seconds_until(row.next_attempt_at, now)
            if lane == Throttle.CODE:
                raise ThrottledError.after_wrong_codes(wait, row.failures)
            raise ThrottledError(wait)
        failures = row.failures + 1
        updated = Throttle.objects.filter(
            pk=row.pk,
            failures=row.failures,
            next_attempt_at__lte=now,
            locked_at__isnull=True,
        ).update(
            failures=failures,
            next_attempt_at=now + timedelta(seconds=delay(failures)),
            last_failure_at=now,
        )
        if updated == 1:
            return Claim(lane=lane, key=key, row_id=row.pk, failures=failures)
        # Another request claimed first: look again (it may have set a delay).
    metrics.throttled(lane)
    if lane == Throttle.CODE:
        raise ThrottledError(
            1,
            "Another code for this account is being checked: the next one can be tried in "
            "1 second.",
        )
    raise ThrottledError(1)


def succeed(claimed: Claim, *, clock: Clock) -> None:
    Throttle.objects.filter(pk=claimed.row_id).update(failures=0, next_attempt_at=clock())


def fail(claimed: Claim, *, clock: Clock) -> bool:
    """Record that the claimed attempt failed (already counted); True if it now locks."""
    if claimed.lane != Throttle.CODE or claimed.failures < CODE_LOCKOUT_FAILURES:
        return False
    locked = (
        Throttle.objects.filter(pk=claimed.row_id, locked_at__isnull=True).update(locked_at=clock())
        == 1
    )
    if locked:
        metrics.lockout()
    return locked


def status(lane: str, key: str, *, clock: Clock) -> Status:
    row = Throttle.objects.filter(scope=lane, key=key).first()
    if row is None:
        return Status(failures=0, locked=False, retry_after=0)
    now = clock()
    locked = lane == Throttle.CODE and (
        row.locked_at is not None or row.failures >= CODE_LOCKOUT_FAILURES
    )
    wait = seconds_until(row.next_attempt_at, now) if row.next_attempt_at > now else 0
    return Status(failures=row.failures, locked=locked, retry_after=wait, locked_at=row.locked_at)


def unlock(user: Model, *, clock: Clock) -> bool:
    """Clear the code lane of ``user``; True if it was locked."""
    rows = Throttle.objects.filter(scope=Throttle.CODE, key=str(user.pk))
    was_locked = (
        rows.filter(locked_at__isnull=False).exists()
        or rows.filter(failures__gte=CODE_LOCKOUT_FAILURES).exists()
    )
    rows.update(failures=0, locked_at=None, next_attempt_at=clock())
    return was_locked
