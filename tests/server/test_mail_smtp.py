"""Mail through a real SMTP server (aiosmtpd on 127.0.0.1), and what happens when it is down."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from twostep.server.audit.models import Event
from twostep.server.audit.services import Events
from twostep.server.clock import FakeClock
from twostep.server.config import mail_from_url
from twostep.server.errors import CodeRejectedError
from twostep.server.mfa import services as mfa

from .helpers import Member, enrol, make_user

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
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
