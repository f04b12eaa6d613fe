"""Events written by use cases other than the API's: an administrator's reset and a user turning
2FA off on the pages, and `twostep remind` finding a setup deadline passed (once per deadline,
even when its mail fails and is sent again)."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from twostep.server.applications.members import application_named
from twostep.server.clock import FakeClock
from twostep.server.errors import ActionRefusedError
from twostep.server.policy.services import require_user
from twostep.server.usecases.enrolment import disable, reset
from twostep.server.usecases.notices import send_due_notices
from twostep.server.webhooks.models import Delivery
from twostep.server.webhooks.subscriptions import create_subscription

from .helpers import Member, enrol, make_user

pytestmark = pytest.mark.django_db


def subscribe(clock: FakeClock, *events: str) -> None:
    create_subscription(
        application=application_named("Intranet", clock=clock),
        url="https://intranet.example/hooks",
        events=events,
        organisation_users=True,
        actor=None,
        clock=clock,
    )


def bodies() -> list[dict[str, Any]]:
    return [json.loads(d.body) for d in Delivery.objects.order_by("id")]


def test_disable_and_reset_are_written_with_the_change(enrolled: Member, clock: FakeClock) -> None:
    subscribe(clock, "mfa.disabled", "mfa.reset")
    disable(enrolled.user, code=enrolled.code(clock), clock=clock)
    enrol(enrolled, clock)
    admin = make_user(clock, "root", role="admin").user
    reset(enrolled.user, actor=admin, clock=clock)
    assert [(b["type"], b["data"]["user"]["username"]) for b in bodies()] == [
        ("mfa.disabled", "bob"),
        ("mfa.reset", "bob"),
    ]
    assert bodies()[1]["data"]["had_device"] is True
    # A refused reset (one's own account) writes nothing.
    with pytest.raises(ActionRefusedError):
        reset(admin, actor=admin, clock=clock)
    assert Delivery.objects.count() == 2


def test_a_passed_setup_deadline_is_told_once(
    member: Member, clock: FakeClock, settings: Any, mailoutbox: list[Any]
) -> None:
    subscribe(clock, "user.locked")
    require_user(member.user, days=2, actor=None, clock=clock)
    clock.advance(hours=50)
    with socket.socket() as sock:  # the mail server is down: the notice is tried again later
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    send_due_notices(clock=clock)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_due_notices(clock=clock)
    assert mailoutbox  # the mail went the second time
    send_due_notices(clock=clock)
    [event] = bodies()
    assert event["type"] == "user.locked"
    assert event["data"]["reason"] == "setup_deadline_passed"
    assert event["data"]["user"]["username"] == "alice"
    assert event["data"]["deadline"].startswith("2026-11-25")


def test_the_command_line_lists_and_delivers(
    clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    from twostep.server.cli import main
    from twostep.server.webhooks.events import send_test
    from twostep.server.webhooks.models import Subscription

    subscribe(clock, "mfa.reset")
    assert main(["webhooks", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["application"] == "Intranet"
    assert listed["events"] == ["mfa.reset"]
    assert "secret" not in listed
    # Nothing listens on port 9 of 127.0.0.1: a failure, retried later.
    Subscription.objects.update(url="http://127.0.0.1:9/hooks")
    send_test(Subscription.objects.get(), clock=clock)
    assert main(["webhooks", "deliver", "--once", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"delivered": 0, "retrying": 1, "failed": 0}
    assert Delivery.objects.get().error == "ConnectError"


def test_the_event_is_written_with_the_change_or_not_at_all(
    member: Member, enrolled: Member, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outbox: when writing the event fails, the change it tells about is rolled back."""
    from twostep.otp import generate_totp
    from twostep.server.mfa.models import Device
    from twostep.server.usecases import enrolment as use_case

    subscribe(clock, "mfa.enabled", "mfa.reset")

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the outbox cannot be written")

    monkeypatch.setattr(use_case, "emit", broken)
    started = use_case.start_enrolment(member.user, clock=clock)
    with pytest.raises(RuntimeError):
        use_case.confirm_enrolment(
            member.user, started.id, generate_totp(started.secret, clock().timestamp()), clock=clock
        )
    assert not Device.objects.filter(user=member.user).exists()
    admin = make_user(clock, "root", role="admin").user
    with pytest.raises(RuntimeError):
        use_case.reset(enrolled.user, actor=admin, clock=clock)
    assert Device.objects.filter(user=enrolled.user).exists()
