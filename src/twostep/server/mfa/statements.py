"""The database side of a verification, behind one small interface with two implementations.

A verification needs three things from the database (:mod:`.verification` reads as claim ->
check -> settle):

``claim(user, now, *, event, address, purpose) -> Claim``
    reserve one attempt of the user's code lane and write its audit row, as a failure with the
    new count (an attempt is a failure until shown otherwise); raises ``ThrottledError`` or
    ``LockedOutError`` (audited as refusals).
``find_and_claim(lookup, now, *, event, address, purpose) -> (user | None, Claim | None)``
    the same for a user not read yet (``lookup``: a condition as ``rows.select_one`` takes it),
    with the user's device. Nothing is claimed unless the user is active and has a device.
``settle(device_id, step, now, claim, *, purpose) -> bool``
    a matching code: raise the device's last step (the single conditional UPDATE whose row count
    decides who wins), and if this call did, reset the throttle and rewrite the attempt's row to
    a success, in one commit. True if it won.

:class:`Portable` does each with the ORM (SQLite, and any database). :class:`PostgreSQL` does
each in one statement (``WITH``), a wrong code costing one write: the user, the device, the
claim and the audit row are read and written together, and the claim's commit does not wait for
the disk (see :meth:`PostgreSQL.claim`). :func:`statements` picks the one for the connection.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from typing import Any, Final

from django.db import connection, transaction

from ..accounts.models import User
from ..attempts import throttle
from ..attempts.models import Throttle
from ..audit.models import Event
from ..audit.services import Events, check_details, record, relabel, row_values
from ..errors import LockedOutError, ThrottledError
from ..rows import Plan, column_of, from_row, insert_parts, select_one, select_plan
from .models import Device

__all__ = ["Portable", "PostgreSQL", "mark_step_used", "statements"]

Lookup = tuple[str, list[Any]]


def mark_step_used(device_id: Any, step: int, now: datetime) -> bool:
    """Raise the device's last accepted step to ``step`` if it is lower; True if this call did.

    The one conditional UPDATE that makes a code single-use across processes: of any number of
    concurrent calls with the same step, exactly one sees a row count of 1.
    """
    won = Device.objects.filter(pk=device_id, last_step__lt=step).update(
        last_step=step, last_used_at=now
    )
    return won == 1


def _usable(user: User | None) -> bool:
    return user is not None and user.is_active and _fetched_device(user) is not None


def _fetched_device(user: User) -> Device | None:
    found: Device | None = user._state.fields_cache.get("totp_device")
    return found


class Portable:
    """The ORM's way: a few statements per verification, on any database."""

    def claim(
        self, user: User, now: datetime, *, event: str, address: str | None, purpose: str
    ) -> throttle.Claim:
        return self._claim_and_log(user, now, event, address, purpose, fast=True)

    def _claim_and_log(
        self,
        user: User,
        now: datetime,
        event: str,
        address: str | None,
        purpose: str,
        *,
        fast: bool,
    ) -> throttle.Claim:
        """``throttle.claim`` and then the audit row. ``fast``: try the one-statement claim
        first (False when the caller's own statement tried it already)."""
        clock = lambda: now  # noqa: E731 - the moment of this attempt
        try:
            claimed = throttle.claim(Throttle.CODE, str(user.pk), clock=clock, user=user, fast=fast)
        except (ThrottledError, LockedOutError) as exc:
            refused = (
                Events.LOCKED_OUT_REFUSED
                if isinstance(exc, LockedOutError)
                else Events.CODE_THROTTLED
            )
            record(refused, clock=clock, actor=user, subject=user, address=address, purpose=purpose)
            raise
        logged = record(
            event,
            clock=clock,
            actor=user,
            subject=user,
            address=address,
            purpose=purpose,
            failures=claimed.failures,
        )
        return dataclasses.replace(claimed, logged=logged)

    def find_and_claim(
        self, lookup: Lookup, now: datetime, *, event: str, address: str | None, purpose: str
    ) -> tuple[User | None, throttle.Claim | None]:
        user = select_one(User, *lookup, related=("totp_device",))
        if user is None:
            return None, None
        user.device_fetched = True  # type: ignore[attr-defined]  # devices.device_for may use it
        if not _usable(user):
            return user, None
        return user, self.claim(user, now, event=event, address=address, purpose=purpose)

    def settle(
        self, device_id: Any, step: int, now: datetime, claimed: throttle.Claim, *, purpose: str
    ) -> bool:
        with transaction.atomic():
            won = mark_step_used(device_id, step, now)
            if won:
                throttle.succeed(claimed, clock=lambda: now)
                relabel(claimed.logged, Events.CODE_OK, purpose=purpose)
        return won


# The audit details of a claimed attempt: the given ones (a parameter) and the new count.
_FAILURES_ADDED: Final = "%s::jsonb || jsonb_build_object('failures', c.failures)"

# What a verification reads of the user and the device (the rest, such as the password hash,
# stays in the database; a rare path that needs more reads it then): the checks, the audit
# label, mail (email, display name) and the device's code parameters.
_VERIFY_FIELDS: Final = (
    "username",
    "email",
    "display_name",
    "is_active",
    *(
        f"totp_device__{name}"
        for name in (
            "user",
            "secret_sealed",
            "key_id",
            "algorithm",
            "digits",
            "period",
            "last_step",
        )
    ),
)


def _details_param(details: dict[str, Any]) -> Any:
    """Audit details as the parameter of a hand-written statement (the JSON field's own
    preparation: ``jsonb`` on PostgreSQL)."""
    field: Any = Event._meta.get_field("details")
    return field.get_db_prep_save(details, connection)


def _no_flush() -> str:
    """The last column of a statement that claims an attempt and logs it as a failure: its
    commit does not wait for the disk (see :meth:`PostgreSQL.claim`). Only when the statement
    is a transaction of its own: inside a larger one the setting would last until that one
    commits, which might accept a code."""
    if connection.in_atomic_block:
        return "NULL"
    return "set_config('synchronous_commit', 'off', true)"


@functools.cache
def _find_and_claim_sql(where: str, no_flush: str) -> tuple[Plan, str, str, str]:
    """The parts of :meth:`PostgreSQL.find_and_claim`'s statement that do not change (made once
    per lookup): the read's plan, the claim's key expression, and the text before and after
    the claim."""
    plan = select_plan(User, where, related=("totp_device",), only=_VERIFY_FIELDS)
    user_id, active, name = (f"u.c{plan.position(n)}" for n in ("id", "is_active", "username"))
    device = f"u.c{plan.position('id', related='totp_device')}"
    key = f"(SELECT {user_id}::text FROM u WHERE {active} AND {device} IS NOT NULL)"  # noqa: S608
    quote = connection.ops.quote_name
    columns, marks, _ = insert_parts(Event, at=None, event="", address=None)
    names = ", ".join(
        quote(column_of(Event._meta.get_field(f)))
        for f in ("actor", "actor_label", "subject", "subject_label", "details")
    )
    label = f"left({name}, 150)"  # audit.services: the username, at most 150 characters
    # Only quoted names, "%s" placeholders and the column names u.c0, u.c1 ... are put into
    # the text (the lookup's own text comes from rows.select_plan, made the same way).
    before = f"WITH u ({', '.join(f'c{i}' for i in range(plan.width))}) AS ({plan.sql}), c AS ("
    after = (
        f"), e AS (INSERT INTO {quote(Event._meta.db_table)} "  # noqa: S608
        f"({columns}, {names}) SELECT {marks}, {user_id}, {label}, {user_id}, {label}, "
        f"{_FAILURES_ADDED} FROM c, u RETURNING id) "
        f"SELECT u.*, c.id, c.failures, (SELECT id FROM e), {no_flush} FROM u LEFT JOIN c ON true"
    )
    return plan, key, before, after


class PostgreSQL(Portable):
    """One statement for each step. When a statement's claim matches no row (no row yet, a
    delay, a lockout), :class:`Portable`'s way sorts it out (without trying the same claim
    again)."""

    def claim(
        self, user: User, now: datetime, *, event: str, address: str | None, purpose: str
    ) -> throttle.Claim:
        """The claim (``throttle.claim_statement``) and the audit row in one statement
        (``WITH``); the row gets the new count from the claim.

        Its commit does not wait for the write-ahead log to reach the disk
        (``synchronous_commit`` off for this one transaction): other requests see the claim at
        once, as always; only a crash of PostgreSQL itself within 0.6 s (3 x
        ``wal_writer_delay``, by default) could forget it and its audit row. After a failure an
        account waits at least a second before its next attempt, so such a crash gives back at
        most one attempt per account. Everything that accepts a code (:meth:`settle`) or locks
        an account waits for the disk as usual, and with it all that came before."""
        statement = throttle.claim_statement(Throttle.CODE, str(user.pk), now)
        assert statement is not None  # PostgreSQL returns rows from an UPDATE
        claim_sql, claim_params = statement
        values = row_values(
            event, at=now, actor=user, subject=user, address=address, details={"purpose": purpose}
        )
        details = _details_param(values.pop("details"))
        columns, marks, params = insert_parts(Event, **values)
        quote = connection.ops.quote_name
        # Only quoted names and "%s" placeholders are put into the text.
        sql = (
            f"WITH c AS ({claim_sql}), e AS (INSERT INTO {quote(Event._meta.db_table)} "  # noqa: S608
            f"({columns}, {quote('details')}) SELECT {marks}, {_FAILURES_ADDED} "
            f"FROM c RETURNING id) SELECT c.id, c.failures, (SELECT id FROM e), {_no_flush()} "
            f"FROM c"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*claim_params, *params, details])
            found = cursor.fetchone()
        if found is None:
            return self._claim_and_log(user, now, event, address, purpose, fast=False)
        return throttle.Claim(
            lane=Throttle.CODE,
            key=str(user.pk),
            row_id=found[0],
            failures=found[1],
            logged=found[2],
        )

    def find_and_claim(
        self, lookup: Lookup, now: datetime, *, event: str, address: str | None, purpose: str
    ) -> tuple[User | None, throttle.Claim | None]:
        """:meth:`claim` for a user not read yet, in the same statement as the read
        (``rows.select_one``'s, with the device)."""
        where, params = lookup
        plan, key, before, after = _find_and_claim_sql(where, _no_flush())
        statement = throttle.claim_statement(Throttle.CODE, None, now, key_sql=key)
        assert statement is not None  # PostgreSQL
        claim_sql, claim_params = statement
        check_details({"purpose": purpose})
        values = insert_parts(Event, at=now, event=event, address=address or None)[2]
        details = _details_param({"purpose": purpose})
        with connection.cursor() as cursor:
            cursor.execute(before + claim_sql + after, [*params, *claim_params, *values, details])
            row = cursor.fetchone()
        if row is None:
            return None, None
        user: User = from_row(plan, row)
        user.device_fetched = True  # type: ignore[attr-defined]  # devices.device_for may use it
        row_id, failures, logged = row[plan.width : plan.width + 3]
        if row_id is not None:
            claimed = throttle.Claim(
                lane=Throttle.CODE,
                key=str(user.pk),
                row_id=row_id,
                failures=failures,
                logged=logged,
            )
            return user, claimed
        if not _usable(user):
            return user, None
        return user, self._claim_and_log(user, now, event, address, purpose, fast=False)

    def settle(
        self, device_id: Any, step: int, now: datetime, claimed: throttle.Claim, *, purpose: str
    ) -> bool:
        quote = connection.ops.quote_name
        details = _details_param({"purpose": purpose})
        # Only quoted names and "%s" placeholders are put into the text.
        sql = (
            f"WITH d AS (UPDATE {quote(Device._meta.db_table)} SET last_step = %s, "  # noqa: S608
            f"last_used_at = %s WHERE id = %s AND last_step < %s RETURNING id), "
            f"t AS (UPDATE {quote(Throttle._meta.db_table)} SET failures = 0, "
            f"next_attempt_at = %s WHERE id = %s AND EXISTS (SELECT 1 FROM d)), "
            f"e AS (UPDATE {quote(Event._meta.db_table)} SET event = %s, details = %s "
            f"WHERE id = %s AND EXISTS (SELECT 1 FROM d)) "
            f"SELECT count(*) FROM d"
        )
        params = [step, now, device_id, step, now, claimed.row_id]
        params += [Events.CODE_OK, details, claimed.logged]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchone()
        return found is not None and found[0] == 1


_PORTABLE: Final = Portable()
_POSTGRESQL: Final = PostgreSQL()


def statements() -> Portable:
    """The implementation for the current database connection."""
    return _POSTGRESQL if connection.vendor == "postgresql" else _PORTABLE
