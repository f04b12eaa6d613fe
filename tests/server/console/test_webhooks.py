"""The console's Webhooks pages: add a subscription (the secret shown once), the delivery log,
the "Send test event" button delivering to a real receiver, removing it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from twostep.sdk.webhooks import verify
from twostep.server.applications.members import application_named
from twostep.server.clock import FakeClock
from twostep.server.webhooks.delivery import deliver_due
from twostep.server.webhooks.models import Delivery, Subscription
from twostep.server.webhooks.subscriptions import secret_of

from ..receiver import Receiver, running
from .util import follow, messages, post, text

pytestmark = pytest.mark.django_db


def test_add_test_and_remove_a_webhook(console: Client, clock: FakeClock) -> None:
    application_named("Shop", clock=clock)
    page = console.get("/console/webhooks/")
    assert page.status_code == 200
    assert "No webhooks yet" in text(page)
    assert 'for="id_url"' in page.content.decode()  # the field has its label
    for receiver in running(Receiver()):
        added = post(
            console,
            "/console/webhooks/",
            {"application": "Shop", "url": receiver.url, "events": ["mfa.reset", "mfa.enabled"]},
            page="/console/webhooks/",
        )
        assert added.status_code == 200, text(added)[:500]
        sub = Subscription.objects.get()
        secret = re.search(r"whsec_[\w-]+", added.content.decode())
        assert secret is not None
        assert secret.group(0) == secret_of(sub)
        assert sub.events == ["mfa.enabled", "mfa.reset"]
        # Shown once: the subscription's own page never shows it again.
        detail = console.get(f"/console/webhooks/{sub.pk}/")
        assert secret.group(0) not in detail.content.decode()
        assert "No deliveries yet" in text(detail)

        tested = post(
            console, f"/console/webhooks/{sub.pk}/test/", page=f"/console/webhooks/{sub.pk}/"
        )
        shown = follow(console, tested)
        assert any("webhook.test" in m for m in messages(shown))
        assert "webhook.test" in text(shown)
        assert deliver_due(clock=clock).delivered == 1
        got = receiver.wait_for(1)
        event = verify(
            got[0].body,
            got[0].headers["Twostep-Signature"],
            secret.group(0),
            now=clock().timestamp(),
        )
        assert event.type == "webhook.test"
        log = text(console.get(f"/console/webhooks/{sub.pk}/"))
        assert "delivered" in log
        assert "HTTP 200" in log

    removed = post(
        console, f"/console/webhooks/{sub.pk}/delete/", page=f"/console/webhooks/{sub.pk}/"
    )
    assert removed.status_code == 302
    assert not Subscription.objects.exists()
    assert not Delivery.objects.exists()


def test_a_refused_url_is_explained_on_the_form(console: Client, clock: FakeClock) -> None:
    application_named("Shop", clock=clock)
    refused = post(
        console,
        "/console/webhooks/",
        {"application": "Shop", "url": "http://hooks.example.com/", "events": ["mfa.reset"]},
        page="/console/webhooks/",
    )
    assert refused.status_code == 400
    assert "Use https://" in text(refused)
    assert not Subscription.objects.exists()


def test_the_test_button_needs_the_confirmation(
    admin_console: Client, clock: FakeClock, settings: Any
) -> None:
    from twostep.server.webhooks.subscriptions import create_subscription

    sub, _ = create_subscription(
        application=application_named("Shop", clock=clock),
        url="https://shop.example/hooks",
        events=["mfa.reset"],
        actor=None,
        clock=clock,
    )
    clock.advance(minutes=11)  # the sign-in code is no longer fresh: a code is asked for
    refused = post(admin_console, f"/console/webhooks/{sub.pk}/test/", page="/console/webhooks/")
    assert refused.status_code == 302
    assert not Delivery.objects.exists()
