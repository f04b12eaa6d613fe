"""Webhooks end to end: a real `twostep serve` (its background delivery thread, no CLI run)
sends signed events to a real receiver after an enable through the API and an admin's reset;
the SDK's webhook methods, sync and async, against it."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Iterator

import pytest

from server.receiver import Receiver, running
from twostep.otp import Secret, generate_totp
from twostep.sdk import AsyncClient, Client, NotFoundError, ValidationError
from twostep.sdk._webhook_methods import AsyncWebhookMethods, WebhookMethods
from twostep.sdk.webhooks import verify

from .conftest import Server, unique


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running(Receiver())


def test_the_async_webhook_methods_mirror_the_sync_ones() -> None:
    sync = {n: f for n, f in vars(WebhookMethods).items() if callable(f) and n[0] != "_"}
    both = {n: f for n, f in vars(AsyncWebhookMethods).items() if callable(f) and n[0] != "_"}
    assert set(sync) == set(both)
    assert len(sync) == 6
    for name, func in sync.items():
        assert inspect.iscoroutinefunction(both[name]), name
        assert inspect.signature(func) == inspect.signature(both[name]), name
    assert issubclass(Client, WebhookMethods)
    assert issubclass(AsyncClient, AsyncWebhookMethods)


@pytest.mark.slow
def test_serve_delivers_signed_events_in_the_background(
    server: Server, admin: Client, rp: Client, receiver: Receiver
) -> None:
    made = admin.create_webhook("Default", receiver.url, ["mfa.enabled", "mfa.reset"])
    try:
        assert made.secret.startswith("whsec_")
        assert "whsec_" not in repr(made)
        external_id = unique("shop-")
        user = rp.create_app_user(external_id)
        started = rp.start_enrolment(external_id=external_id)
        rp.confirm_enrolment(
            started.enrolment_id, generate_totp(Secret.from_base32(started.secret), time.time())
        )
        admin.reset_mfa(user.id)
        got = receiver.wait_for(2)
        assert len(got) == 2
        events = [verify(r.body, r.headers["Twostep-Signature"], made.secret) for r in got]
        assert [e.type for e in events] == ["mfa.enabled", "mfa.reset"]
        assert {e.user_external_id for e in events} == {external_id}
        assert events[1].data["user"]["id"] == user.id

        deadline = time.monotonic() + 20  # the worker records the answer after it came
        while time.monotonic() < deadline:
            log = admin.list_webhook_deliveries(made.id)
            if all(d.status == "delivered" for d in log):
                break
            time.sleep(0.05)  # polling, not a timing assert
        assert [(d.event_type, d.status, d.response_code) for d in log] == [
            ("mfa.reset", "delivered", 200),
            ("mfa.enabled", "delivered", 200),
        ]
        assert admin.get_webhook(made.id).events == ("mfa.enabled", "mfa.reset")
        with pytest.raises(ValidationError) as refused:
            admin.create_webhook("Default", "http://hooks.example.com/", ["mfa.reset"])
        assert refused.value.field == "url"

        async def the_async_client() -> None:
            async with AsyncClient(server.url, server.admin_key) as client:
                assert made.id in {w.id for w in await client.list_webhooks()}
                tested = await client.test_webhook(made.id)
                assert tested.event_type == "webhook.test"
                assert (await client.get_webhook(made.id)).url == receiver.url
                assert len(await client.list_webhook_deliveries(made.id, limit=1)) == 1

        asyncio.run(the_async_client())
        test_event = receiver.wait_for(3)[2]
        assert verify(
            test_event.body, test_event.headers["Twostep-Signature"], made.secret
        ).type == ("webhook.test")
    finally:
        admin.delete_webhook(made.id)
    with pytest.raises(NotFoundError):
        admin.get_webhook(made.id)
