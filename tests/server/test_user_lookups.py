"""Case-insensitive lookups of users use the unique indexes on ``LOWER(username)`` and
``LOWER(email)``, on SQLite and (with TWOSTEP_TEST_DATABASE_URL) PostgreSQL: with a million
users, a lookup that reads the whole table is slow, and ``iexact`` (``UPPER(...)`` on
PostgreSQL, a ``LIKE`` on SQLite) did, in every check that a new name or email is free."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from twostep.server.accounts.directory import _clean_email
from twostep.server.accounts.models import User
from twostep.server.accounts.services import create_user
from twostep.server.applications.models import ApiKey
from twostep.server.clock import FakeClock
from twostep.server.errors import InvalidUserDataError
from twostep.server.usecases.app_users import _username_for

from .helpers import Member


def _plan(sql: str) -> str:
    """The plan of a captured statement, with sequential scans priced out on PostgreSQL (the
    test table is tiny: without that, reading it whole is the cheaper plan)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # the test's transaction only
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def _user_reads(action: Callable[[], Any]) -> list[str]:
    with CaptureQueriesContext(connection) as queries, contextlib.suppress(InvalidUserDataError):
        action()
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"accounts_user"' in q["sql"]
    ]


def _by_index(plan: str) -> bool:
    """The plan looks the row up in a LOWER(...) index (not a scan of the table or of a whole
    index with a filter)."""
    if connection.vendor == "postgresql":
        return any("Index Cond" in line and "lower(" in line for line in plan.splitlines())
    return "SEARCH accounts_user USING INDEX user_" in plan and "_unique_ci" in plan


@pytest.mark.parametrize(
    "action",
    [
        pytest.param(lambda m, c: create_user(username="ALICE", email=None, clock=c), id="name"),
        pytest.param(
            lambda m, c: create_user(username="new", email="ALICE@Example.com", clock=c),
            id="email",
        ),
        pytest.param(lambda m, c: User.objects.get_by_natural_key("Alice"), id="natural-key"),
        pytest.param(lambda m, c: _clean_email("Alice@example.com", m.user), id="email-change"),
        pytest.param(
            lambda m, c: _username_for(ApiKey(application_id=1), "alice"), id="app-user-name"
        ),
    ],
)
def test_case_insensitive_user_lookups_use_the_unique_indexes(
    member: Member, clock: FakeClock, action: Callable[[Member, FakeClock], Any]
) -> None:
    reads = _user_reads(lambda: action(member, clock))
    assert reads, "the action read no user"
    for sql in reads:
        plan = _plan(sql)
        assert _by_index(plan), f"{sql}\n{plan}"


def test_the_check_folds_case_as_the_unique_index_does(member: Member, clock: FakeClock) -> None:
    # PostgreSQL's LOWER() (C.UTF-8) takes "İvan" for "ivan"; UPPER() does not ("İVAN"), so the
    # iexact check let the name through and the INSERT then hit the unique index. SQLite's
    # LOWER() folds ASCII only: there the two are different names. Either way the check must
    # say what the index says.
    create_user(username="ivan", email=None, clock=clock)
    with connection.cursor() as cursor:
        cursor.execute("SELECT LOWER(%s) = LOWER(%s)", ["İvan", "ivan"])
        same = bool(cursor.fetchone()[0])
    if same:
        with pytest.raises(InvalidUserDataError) as refused:
            create_user(username="İvan", email=None, clock=clock)
        assert refused.value.message == "That username is taken."  # the check, not the INSERT
    else:
        assert create_user(username="İvan", email=None, clock=clock).username == "İvan"
