"""Mail through a real SMTP server (aiosmtpd on 127.0.0.1), and what happens when it is down."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from server import actions as mfa
from twostep.server import mail
from twostep.server.audit.models import Event
from twostep.server.audit.services import Events
from twostep.server.clock import FakeClock
from twostep.server.config import mail_from_url
from twostep.server.errors import CodeRejectedError

from .helpers import Member, enrol, make_user

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.gate = threading.Event()  # cleared: the server holds every message at DATA
        self.gate.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server; Django sends to it as configured by TWOSTEP_SMTP_URL would."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    config = mail_from_url(f"smtp://127.0.0.1:{controller.port}")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = config.host
    settings.EMAIL_PORT = config.port
    settings.EMAIL_USE_TLS = config.use_tls
    try:
        yield inbox
    finally:
        controller.stop()


def test_security_mails_arrive_over_smtp(smtp: Inbox, clock: FakeClock) -> None:
    member = enrol(make_user(clock, "sam"), clock)
    code = member.code(clock)
    mfa.verify_code(member.user, code, clock=clock, address="203.0.113.5")
    clock.advance(seconds=5)
    with pytest.raises(CodeRejectedError):
        mfa.verify_code(member.user, code, clock=clock, address="203.0.113.5")
    assert member.recovery_codes
    clock.advance(seconds=60)
    mfa.verify_recovery_code(member.user, member.recovery_codes[0], clock=clock)
    mfa.disable(member.user, code=member.code(clock), clock=clock)
    assert smtp.subjects() == [
        "Two-step verification is now on for your twostep account",
        "A used sign-in code was entered again on twostep",
        "A recovery code was used to sign in to twostep",
        "Two-step verification was turned off for your twostep account",
    ]
    assert all(rcpt == ["sam@example.com"] for _, rcpt in smtp.envelopes)
    reused = smtp.messages[1].get_payload()
    assert "From address: 203.0.113.5" in str(reused)
    # Never a secret or a code in a mail.
    assert member.secret is not None
    for message in smtp.messages:
        body = str(message.get_payload())
        assert code not in body
        assert member.secret.base32 not in body
        assert not any(rc in body for rc in member.recovery_codes)


def test_a_mail_server_that_is_down_does_not_break_sign_in(
    settings: Any, enrolled: Member, clock: FakeClock
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    assert enrolled.recovery_codes
    result = mfa.verify_recovery_code(enrolled.user, enrolled.recovery_codes[1], clock=clock)
    assert result.recovery_codes_left == 9
    failed = Event.objects.get(event=Events.MAIL_FAILED)
    assert failed.details == {"template": "recovery_used", "error": "ConnectionRefusedError"}


# -- notices in the background (the production setting) ----------------------------------------
@pytest.fixture
def background(settings: Any) -> Iterator[None]:
    settings.TWOSTEP_MAIL_IN_BACKGROUND = True
    yield
    assert mail.wait_for_notices(10), "notices still queued after the test"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_stalled_mail_server_does_not_hold_up_a_verification(
    background: None, smtp: Inbox, settings: Any, clock: FakeClock
) -> None:
    settings.EMAIL_TIMEOUT = 5
    smtp.gate.clear()  # the server accepts the connection, then answers nothing
    member = enrol(make_user(clock, "sam"), clock)
    code = member.code(clock)
    mfa.verify_code(member.user, code, clock=clock)
    with pytest.raises(CodeRejectedError):
        mfa.verify_code(member.user, code, clock=clock)  # reused: a notice
    # Both calls have answered while the mail server still holds the first notice; sent in the
    # request, the first one would have waited for EMAIL_TIMEOUT and failed.
    assert smtp.messages == []
    assert not Event.objects.filter(event=Events.MAIL_FAILED).exists()
    smtp.gate.set()
    assert mail.wait_for_notices(10)
    assert smtp.subjects() == [
        "Two-step verification is now on for your twostep account",
        "A used sign-in code was entered again on twostep",
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_notice_for_a_change_that_is_rolled_back(
    background: None, smtp: Inbox, clock: FakeClock
) -> None:
    member = enrol(make_user(clock, "sam"), clock)

    def reset_then_fail() -> None:
        with transaction.atomic():
            mfa.reset(member.user, actor=None, clock=clock)
            raise RuntimeError("the rest of the change failed")

    with pytest.raises(RuntimeError):
        reset_then_fail()
    assert mfa.is_enrolled(member.user)
    mfa.reset(member.user, actor=None, clock=clock)
    assert mail.wait_for_notices(10)
    assert smtp.subjects() == [
        "Two-step verification is now on for your twostep account",
        "Two-step verification was reset for your twostep account",
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_notice_that_cannot_be_sent_in_the_background_is_audited(
    background: None, settings: Any, enrolled: Member, clock: FakeClock
) -> None:
    assert mail.wait_for_notices(10)  # the notice of the setup goes to the first backend
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    assert enrolled.recovery_codes
    mfa.verify_recovery_code(enrolled.user, enrolled.recovery_codes[0], clock=clock)
    assert mail.wait_for_notices(10)
    failed = Event.objects.get(event=Events.MAIL_FAILED)
    assert failed.subject_id == enrolled.user.pk
    assert failed.details == {"template": "recovery_used", "error": "ConnectionRefusedError"}
