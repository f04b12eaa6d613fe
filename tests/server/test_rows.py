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
from twostep.server.rows import insert, select_one

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
