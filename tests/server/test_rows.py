"""rows.select_one and rows.insert give what the ORM gives (values, types, related objects)
with one statement, on SQLite and (with TWOSTEP_TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from twostep.server.accounts.models import User
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.mfa.models import Device
from twostep.server.rows import from_row, insert, select_one, select_plan

from .helpers import Member


def field_values(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]


def test_select_one_equals_the_orm_with_related_objects_cached(enrolled: Member) -> None:
    expected = User.objects.select_related("role", "totp_device").get(pk=enrolled.user.pk)
    with CaptureQueriesContext(connection) as queries:
        user = select_one(
            User,
            "LOWER({username}) = LOWER(%s)",
            [enrolled.user.username.upper()],
            related=("role", "totp_device"),
        )
        assert user is not None
        role, device = user.role, user.totp_device
        assert device.user is user  # the reverse side is cached too
    assert len(queries) == 1
    assert field_values(user) == field_values(expected)
    assert field_values(role) == field_values(expected.role)
    assert field_values(device) == field_values(expected.totp_device)
    assert isinstance(device.secret_sealed, bytes | memoryview)
    assert bytes(device.secret_sealed) == bytes(expected.totp_device.secret_sealed)
    assert user.is_active is True
    assert user._state.adding is False
    assert user.date_joined.tzinfo is not None  # aware, as the ORM gives it


def test_a_missing_reverse_one_to_one_is_cached_as_missing(member: Member) -> None:
    with CaptureQueriesContext(connection) as queries:
        user = select_one(User, "{id} = %s", [member.user.pk], related=("totp_device",))
        assert user is not None
        with pytest.raises(Device.DoesNotExist):
            _ = user.totp_device
    assert len(queries) == 1  # known to be missing: no second query


def test_a_plan_read_as_part_of_a_larger_statement(enrolled: Member) -> None:
    """select_plan's text inside a WITH, with more columns after its own: from_row makes the
    same objects as select_one, and position() finds each column."""
    plan = select_plan(User, "{id} = %s", related=("role", "totp_device"))
    names = ", ".join(f"c{i}" for i in range(plan.width))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH u ({names}) AS ({plan.sql}) SELECT u.*, 42 FROM u",  # noqa: S608
            [enrolled.user.pk],
        )
        row = cursor.fetchone()
    assert len(row) == plan.width + 1
    assert row[-1] == 42
    user = from_row(plan, row)
    expected = select_one(User, "{id} = %s", [enrolled.user.pk], related=("role", "totp_device"))
    assert field_values(user) == field_values(expected)
    assert field_values(user.totp_device) == field_values(expected.totp_device)
    assert field_values(user.role) == field_values(expected.role)
    assert row[plan.position("username")] == enrolled.user.username
    assert row[plan.position("id", related="totp_device")] is not None
    assert row[plan.position("key", related="role")] == expected.role.key
    with pytest.raises(KeyError):
        plan.position("id", related="groups")


def test_only_some_fields_the_rest_deferred(enrolled: Member) -> None:
    """``only``: the primary keys and the named fields in the statement; any other field is
    read on first use (one query), as with the ORM's only()."""
    plan = select_plan(
        User, "{id} = %s", related=("totp_device",), only=("username", "totp_device__last_step")
    )
    assert "password" not in plan.sql
    assert "secret_sealed" not in plan.sql
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, [enrolled.user.pk])
        user = from_row(plan, cursor.fetchone())
    last_step = Device.objects.get(user=enrolled.user).last_step
    with CaptureQueriesContext(connection) as queries:
        assert (user.pk, user.username) == (enrolled.user.pk, enrolled.user.username)
        assert user.totp_device.last_step == last_step
    assert len(queries) == 0
    assert user.get_deferred_fields() >= {"password", "email", "date_joined"}
    with CaptureQueriesContext(connection) as queries:
        assert user.email == enrolled.user.email
    assert len(queries) == 1
    with pytest.raises(ValueError, match="no fields"):
        select_plan(User, "{id} = %s", only=("pasword",))


def test_no_row_is_none(db: None) -> None:
    assert select_one(User, "LOWER({username}) = LOWER(%s)", ["nobody"]) is None


def test_values_are_parameters_not_sql(member: Member) -> None:
    name = f"{member.user.username}' OR '1'='1"
    assert select_one(User, "{username} = %s", [name]) is None


@pytest.mark.parametrize("related", [("groups",), ("audit_events",)])
def test_only_to_one_relations(db: None, related: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="only"):
        select_one(User, "{id} = %s", [1], related=related)


def test_insert_writes_what_the_orm_reads_back(member: Member, clock: FakeClock) -> None:
    at = datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    details = {"purpose": "api", "failures": 3, "note": "ünïcode \"quoted\" 'single'"}
    insert(
        Event,
        at=at,
        event="mfa.code_failed",
        actor=member.user,
        actor_label=member.user.username,
        subject=None,
        subject_label="",
        address="192.0.2.7",
        details=details,
    )
    event = Event.objects.get(event="mfa.code_failed", at=at)
    assert event.actor_id == member.user.pk
    assert event.subject_id is None
    assert event.address == "192.0.2.7"
    assert event.details == details
    assert event.at == at


def test_insert_without_a_required_column_fails_loudly(db: None) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        insert(Event, event="x", at=None)
