"""What lands in the database: no TOTP secret and no recovery code in clear, anywhere (the
SQLite dump of every table, the session table included, taken while the codes wait in the
session to be shown), and nothing secret in the audit log."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from twostep.otp import Secret, generate_totp
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.mfa.recovery import format_recovery_code

from .helpers import Member, post_form, sign_in

pytestmark = pytest.mark.django_db
KEY_RE = re.compile(r"<span>([A-Z2-7]{1,4})</span>")
CODE_RE = re.compile(r"<li><code>([0-9a-z-]{19})</code></li>")


def forms_of(secret: Secret) -> list[str]:
    raw = secret.raw
    return [
        secret.base32,
        secret.base32.lower(),
        raw.hex(),
        raw.hex().upper(),
        raw.decode("latin-1"),
    ]


def dump_database() -> str:
    """Every row of every table as text (what the test's own transaction sees; on SQLite and
    PostgreSQL alike), binary columns as hex and as text."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                values = []
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        raw = bytes(value)
                        values += [raw.hex(), raw.decode("latin-1")]
                    else:
                        values.append(str(value))
                lines.append(f"{table}: " + " | ".join(values))
    return "\n".join(lines)


def decoded_sessions() -> str:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    store = SessionStore()
    return "\n".join(str(store.decode(row.session_data)) for row in Session.objects.all())


def test_dump_holds_no_secret_and_no_recovery_code(
    web: Client, member: Member, clock: FakeClock
) -> None:
    from twostep.server.policy.services import require_user

    require_user(member.user, days=0, actor=None, clock=clock)
    sign_in(web, member)
    page = web.get("/two-step/setup/").content.decode()
    secret = Secret.from_base32("".join(KEY_RE.findall(page)))
    response = post_form(
        web,
        "/two-step/setup/",
        {"code": generate_totp(secret, clock().timestamp())},
        form_path="/signin/",
    )
    assert response["Location"] == "/two-step/enabled/"

    dump_before_display = dump_database()
    sessions_before_display = decoded_sessions()
    assert "ts_codes" in sessions_before_display  # the codes wait there, sealed
    codes_page = web.get("/two-step/enabled/").content.decode()
    codes = [c.replace("-", "") for c in CODE_RE.findall(codes_page)]
    assert len(codes) == 10
    dump_after_display = dump_database()

    # Session data is signed base64 (and maybe compressed): decode it too, or a code kept
    # there in clear would hide from the grep.
    for dump in (dump_before_display, dump_after_display, sessions_before_display):
        for form in forms_of(secret):
            assert form not in dump
        for code in codes:
            assert code not in dump
            assert format_recovery_code(code) not in dump
            assert code.upper() not in dump
    assert "\nmfa_device: " in dump_after_display  # the dump is real (the device is in it)
    for event in Event.objects.all():
        text = f"{event.event} {event.details}"
        assert secret.base32 not in text
        assert not any(code in text for code in codes)
