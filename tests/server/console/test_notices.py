"""The mails about a requirement: "now required" with the deadline, a reminder one day before,
"you cannot sign in" once the deadline passed; ``twostep remind`` sends each one once."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.test import Client

from twostep.server.accounts.models import User
from twostep.server.cli import main
from twostep.server.clock import FakeClock
from twostep.server.policy.models import Notice
from twostep.server.policy.services import decide, require_user, set_org_policy
from twostep.server.usecases.notices import _send, send_due_notices

from ..helpers import Member, enrol, make_user
from .test_user_page import save_user
from .util import events, post

pytestmark = pytest.mark.django_db


def subjects(mails: list[Any], to: str) -> list[str]:
    return [m.subject for m in mails if m.to == [to]]


def remind(capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["remind", *extra]) == 0
    return capsys.readouterr().out


def test_policy_change_then_remind_sends_each_mail_once(
    capsys: pytest.CaptureFixture[str], owner: Member, clock: FakeClock, mails: list[Any]
) -> None:
    maria = make_user(clock, "maria")
    enrol(make_user(clock, "erin"), clock)
    set_org_policy(mode="all", grace_days=3, actor=None, clock=clock)
    out = remind(capsys)
    assert "Sent 1 mail (1 users checked)." in out
    assert "2FA now required: maria" in out
    assert subjects(mails, "maria@example.com") == [
        "Set up two-step verification for your twostep account by 26 November 2026"
    ]
    assert 'Until then\nyou can choose "Remind me later"' in mails[-1].body
    assert "will not be able to sign in" not in mails[-1].body  # the organisation rule never locks
    assert "Sent 0 mails" in remind(capsys)
    # A day before the deadline: the reminder, once.
    clock.advance(days=2, hours=1)
    assert "reminder, deadline within a day: maria" in remind(capsys)
    assert subjects(mails, "maria@example.com")[-1].startswith(
        "Reminder: set up two-step verification by 26 November 2026"
    )
    assert "Sent 0 mails" in remind(capsys)
    assert [e.details["kind"] for e in events("console.notice_sent", subject=maria.user)] == [
        "required",
        "reminder",
    ]
    # The organisation's grace period ending does not lock: no "cannot sign in" mail.
    clock.advance(days=2)
    assert "Sent 0 mails" in remind(capsys)


def test_user_rule_reminder_then_locked_mail(
    capsys: pytest.CaptureFixture[str], console: Client, clock: FakeClock, mails: list[Any]
) -> None:
    maria = make_user(clock, "maria")
    save_user(console, maria, require_mfa="on", enrolment_days="2")  # mails "now required"
    assert len(subjects(mails, "maria@example.com")) == 1
    assert "Sent 0 mails" in remind(capsys)
    clock.advance(hours=30)
    assert "reminder, deadline within a day: maria" in remind(capsys)
    assert "After that you cannot sign in until an administrator" in mails[-1].body
    clock.advance(hours=20)
    assert "deadline passed, cannot sign in: maria" in remind(capsys)
    assert mails[-1].subject == "You cannot sign in to twostep until an administrator helps"
    assert "Sent 0 mails" in remind(capsys)
    # Extended: a new deadline, a new "now required" mail straight away (not again by remind).
    require_user(maria.user, days=1, actor=None, clock=clock)
    assert "2FA now required: maria" in remind(capsys)
    assert "Sent 0 mails" in remind(capsys)
    assert [e.details["kind"] for e in events("console.notice_sent", subject=maria.user)] == [
        "required",
        "reminder",
        "locked",
        "required",
    ]


def test_no_reminder_right_after_the_first_mail(
    capsys: pytest.CaptureFixture[str], clock: FakeClock, mails: list[Any], db: None
) -> None:
    maria = make_user(clock, "maria")
    require_user(maria.user, days=1, actor=None, clock=clock)
    assert "2FA now required: maria" in remind(capsys)  # within a day of the deadline already
    clock.advance(hours=12)
    assert "Sent 0 mails" in remind(capsys)
    assert len(subjects(mails, "maria@example.com")) == 1


def test_who_is_left_out(
    capsys: pytest.CaptureFixture[str], console: Client, clock: FakeClock
) -> None:
    set_org_policy(mode="all", grace_days=5, actor=None, clock=clock)
    make_user(clock, "nomail", email=None)
    gone = make_user(clock, "gone")
    User.objects.filter(pk=gone.user.pk).update(is_active=False)
    enrol(make_user(clock, "erin"), clock)
    post(  # an invitation not accepted yet: the invitation mail comes first
        console,
        "/console/users/new/",
        {
            "username": "nina",
            "email": "nina@example.com",
            "role": gone.user.role_id,
            "how": "invite",
            "enrolment_days": "7",
        },
        page="/console/users/new/",
    )
    assert "Sent 0 mails (0 users checked)." in remind(capsys)


def test_dry_run_sends_and_records_nothing(
    capsys: pytest.CaptureFixture[str], clock: FakeClock, mails: list[Any], db: None
) -> None:
    make_user(clock, "maria")
    set_org_policy(mode="all", actor=None, clock=clock)
    out = remind(capsys, "--dry-run")
    assert "Would send 1 mail (1 users checked)." in out
    assert (mails, Notice.objects.count()) == ([], 0)
    assert "Sent 1 mail" in remind(capsys)


def test_a_failed_mail_is_tried_again(
    capsys: pytest.CaptureFixture[str], clock: FakeClock, mails: list[Any], settings: Any, db: None
) -> None:
    make_user(clock, "maria")
    set_org_policy(mode="all", actor=None, clock=clock)
    with socket.socket() as sock:  # a port where nothing listens: the mail server is down
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    assert main(["remind"]) == 1
    assert "Could not send to: maria (tried again at the next run)." in capsys.readouterr().out
    assert Notice.objects.count() == 0
    assert events("mail.failed")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert "Sent 1 mail" in remind(capsys)
    assert len(mails) == 1


def test_two_runs_at_once_cannot_both_send(clock: FakeClock, mails: list[Any], db: None) -> None:
    maria = make_user(clock, "maria")
    set_org_policy(mode="all", actor=None, clock=clock)
    # The first run has written its row (and sent); a second run that decided before it
    # wrote must not send again: the row's unique key refuses the second insert.
    first = send_due_notices(clock=clock)
    assert _send(maria.user, Notice.REQUIRED, decide(maria.user, clock=clock), clock=clock) is False
    assert (first.required, len(mails)) == (["maria"], 1)
