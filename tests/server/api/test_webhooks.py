"""Webhooks through the API (Django test client) and the delivery worker's function, with a
real HTTP receiver on 127.0.0.1: signed events after a real enable and reset, retries with
backoff on a moved clock, no redirects, secrets sealed and never echoed into the log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from server.helpers import Member
from server.receiver import Receiver, running
from twostep.otp import generate_totp, parse_uri
from twostep.sdk import WebhookVerificationError
from twostep.sdk.webhooks import verify
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.webhooks import delivery
from twostep.server.webhooks.delivery import MAX_ATTEMPTS, deliver_due, retry_delay
from twostep.server.webhooks.models import Delivery, Subscription

from .support import ApiClient, assert_error, make_key

pytestmark = pytest.mark.django_db

ALL = ["mfa.enabled", "mfa.reset", "mfa.disabled", "user.locked", "mfa.recovery_code_used"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from running(Receiver())


def shop(clock: FakeClock, name: str = "Shop") -> ApiClient:
    key = make_key("verify", clock, application=name, allow_create_users=True)
    return ApiClient(Client(), key)


def subscribe(admin: ApiClient, url: str, **body: Any) -> dict[str, Any]:
    made = admin.post("/admin/webhooks", {"application": "Shop", "url": url, "events": ALL, **body})
    assert made.status_code == 201, made.content
    return dict(made.json())


def enable(app: ApiClient, clock: FakeClock, external_id: str) -> int:
    """A user of the application with 2FA set up through the API; their id."""
    user = app.post("/users", {"external_id": external_id}).json()
    started = app.post("/enrolments", {"external_id": external_id}).json()
    secret = parse_uri(started["otpauth_uri"]).secret
    confirmed = app.post(
        f"/enrolments/{started['enrolment_id']}/confirm",
        {"code": generate_totp(secret, clock().timestamp())},
    )
    assert confirmed.status_code == 200, confirmed.content
    return int(user["id"])


def test_enable_and_reset_through_the_api_reach_the_receiver_signed(
    admin: ApiClient, receiver: Receiver, clock: FakeClock
) -> None:
    app = shop(clock)
    made = subscribe(admin, receiver.url)
    secret = made["secret"]
    assert secret.startswith("whsec_")
    user_id = enable(app, clock, "u-3")
    reset = admin.post(f"/admin/users/{user_id}/mfa/reset")
    assert reset.status_code == 200, reset.content

    report = deliver_due(clock=clock)
    assert (report.delivered, report.retrying) == (2, 0)
    got = receiver.wait_for(2)
    events = [
        verify(r.body, r.headers["Twostep-Signature"], secret, now=clock().timestamp()) for r in got
    ]
    assert [e.type for e in events] == ["mfa.enabled", "mfa.reset"]
    assert {e.user_external_id for e in events} == {"u-3"}
    assert events[1].data["user"]["id"] == user_id
    assert events[0].application == "Shop"
    for request, event in zip(got, events, strict=True):
        assert request.headers["Twostep-Event-Id"] == event.id
        assert request.headers["Twostep-Event"] == event.type
        assert request.headers["Content-Type"] == "application/json"
    assert len({e.id for e in events}) == 2
    # The signature is the subscription's: another secret does not verify.
    with pytest.raises(WebhookVerificationError):
        verify(
            got[0].body, got[0].headers["Twostep-Signature"], "whsec_other", now=clock().timestamp()
        )
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.DELIVERED}


def test_only_the_users_application_hears_and_organisation_users_need_the_choice(
    admin: ApiClient, clock: FakeClock, enrolled: Member
) -> None:
    shop(clock)
    shop(clock, "Blog")
    subscribe(admin, "https://shop.example/hooks")
    org_sub = subscribe(admin, "https://intranet.example/hooks", organisation_users=True)
    blog = ApiClient(
        Client(), make_key("verify", clock, application="Blog", allow_create_users=True)
    )
    enable(blog, clock, "b-1")  # Blog's user: Blog has no subscription
    assert Delivery.objects.count() == 0
    # enrolled (bob) belongs to no application: only the subscription that chose them hears.
    assert admin.post(f"/admin/users/{enrolled.user.pk}/mfa/reset").status_code == 200
    rows = list(Delivery.objects.all())
    assert [(d.subscription_id, d.event_type) for d in rows] == [(org_sub["id"], "mfa.reset")]
    assert json.loads(rows[0].body)["data"]["user"]["username"] == "bob"


def test_a_failed_delivery_is_retried_with_backoff_on_the_moved_clock(
    admin: ApiClient, clock: FakeClock
) -> None:
    flaky = Receiver(answers=[500, 500])
    for receiver in running(flaky):
        app = shop(clock)
        made = subscribe(admin, receiver.url)
        enable(app, clock, "u-1")
        first = deliver_due(clock=clock)
        assert (first.delivered, first.retrying) == (0, 1)
        row = Delivery.objects.get()
        assert (row.status, row.attempts, row.response_code) == ("pending", 1, 500)
        wait = row.next_attempt_at - clock()
        assert timedelta(seconds=48) <= wait <= timedelta(seconds=72)  # 1 min ±20 %
        assert deliver_due(clock=clock).attempted == 0  # not due yet
        clock.advance(seconds=wait.total_seconds())
        assert deliver_due(clock=clock).retrying == 1
        row.refresh_from_db()
        second_wait = row.next_attempt_at - clock()
        assert timedelta(minutes=3.2) <= second_wait <= timedelta(minutes=4.8)  # 4 min ±20 %
        clock.advance(seconds=second_wait.total_seconds())
        assert deliver_due(clock=clock).delivered == 1
        row.refresh_from_db()
        assert (row.status, row.attempts, row.response_code, row.error) == ("delivered", 3, 200, "")
        got = receiver.wait_for(3)
        # Every attempt sends the same event (id and body), signed anew.
        assert len({r.body for r in got}) == 1
        assert len({r.headers["Twostep-Event-Id"] for r in got}) == 1
        verify(
            got[2].body,
            got[2].headers["Twostep-Signature"],
            made["secret"],
            now=clock().timestamp(),
        )
        listed = admin.get(f"/admin/webhooks/{made['id']}/deliveries").json()
        assert listed[0]["attempts"] == 3
        assert listed[0]["status"] == "delivered"


def test_the_schedule_grows_is_capped_and_gives_up(admin: ApiClient, clock: FakeClock) -> None:
    low, high = retry_delay(1, rand=lambda: 0.0), retry_delay(1, rand=lambda: 1.0)
    assert (low, high) == (timedelta(seconds=48), timedelta(seconds=72))
    middle = [retry_delay(n, rand=lambda: 0.5).total_seconds() for n in range(1, 9)]
    assert middle[:4] == [60, 240, 960, 3840]
    assert max(middle) == 6 * 3600
    down = Receiver(answers=[503] * MAX_ATTEMPTS)
    for receiver in running(down):
        app = shop(clock)
        subscribe(admin, receiver.url)
        enable(app, clock, "u-1")
        for _ in range(MAX_ATTEMPTS):
            clock.advance(hours=8)
            deliver_due(clock=clock)
        row = Delivery.objects.get()
        assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
        clock.advance(hours=8)
        assert deliver_due(clock=clock).attempted == 0
        assert len(receiver.requests) == MAX_ATTEMPTS


def test_redirects_are_not_followed(admin: ApiClient, clock: FakeClock) -> None:
    target = Receiver()
    for other in running(target):
        mover = Receiver(answers=[307], location=other.url)
        for receiver in running(mover):
            app = shop(clock)
            subscribe(admin, receiver.url)
            enable(app, clock, "u-1")
            assert deliver_due(clock=clock).retrying == 1
            row = Delivery.objects.get()
            assert (row.response_code, row.error) == (307, "HTTP 307")
        assert other.requests == []


def test_the_stored_answer_never_holds_the_secret_or_signature(
    admin: ApiClient, clock: FakeClock
) -> None:
    echo = Receiver(echo=True)
    for receiver in running(echo):
        app = shop(clock)
        made = subscribe(admin, receiver.url)
        enable(app, clock, "u-1")
        deliver_due(clock=clock)
        signature = receiver.requests[0].headers["Twostep-Signature"].split("v1=")[1]
    row = Delivery.objects.get()
    assert row.status == "delivered"
    assert "Twostep-Event" in row.response_body  # the echo was kept...
    assert signature not in row.response_body  # ...without the signature
    assert "[redacted]" in row.response_body
    # The secret is sealed at rest and in no audit row.
    sub = Subscription.objects.get()
    assert made["secret"].encode() not in bytes(sub.secret_sealed)
    assert made["secret"] not in json.dumps(list(Event.objects.values_list("details", flat=True)))
    assert "secret" not in admin.get(f"/admin/webhooks/{made['id']}").json()


def test_a_lockout_and_a_recovery_code_are_events(admin: ApiClient, clock: FakeClock) -> None:
    app = shop(clock)
    subscribe(admin, "https://shop.example/hooks")
    app.post("/users", {"external_id": "u-1"})
    started = app.post("/enrolments", {"external_id": "u-1"}).json()
    secret = parse_uri(started["otpauth_uri"]).secret
    codes = app.post(
        f"/enrolments/{started['enrolment_id']}/confirm",
        {"code": generate_totp(secret, clock().timestamp())},
    ).json()["recovery_codes"]
    for _ in range(40):
        clock.advance(seconds=301)  # past any wait the throttle asks for
        app.post("/verify", {"external_id": "u-1", "code": "000000"})
        if Delivery.objects.filter(event_type="user.locked").exists():
            break
    locked = json.loads(Delivery.objects.get(event_type="user.locked").body)
    assert locked["data"]["reason"] == "too_many_codes"
    assert locked["data"]["user"]["external_id"] == "u-1"
    clock.advance(seconds=301)
    used = app.post("/verify", {"external_id": "u-1", "code": codes[0]})
    assert used.json()["valid"] is True, used.content
    recovery = json.loads(Delivery.objects.get(event_type="mfa.recovery_code_used").body)
    assert recovery["data"]["recovery_codes_left"] == len(codes) - 1
    assert recovery["data"]["unlocked"] is True


def test_url_rules(admin: ApiClient, clock: FakeClock, settings: Any) -> None:
    shop(clock)
    for bad in (
        "http://hooks.example.com/x",
        "ftp://hooks.example.com/x",
        "https://user:pw@hooks.example.com/x",
        "https://hooks.example.com/x#frag",
        "not a url",
    ):
        made = admin.post("/admin/webhooks", {"application": "Shop", "url": bad, "events": ALL})
        assert_error(made, 422, "invalid")
        assert made.json()["field"] == "url", bad
    for good in ("https://hooks.example.com/x", "http://127.0.0.1:9/x", "http://localhost/x"):
        subscribe(admin, good)
    settings.TWOSTEP_WEBHOOKS_ALLOW_HTTP = True
    subscribe(admin, "http://hooks.internal/x")


def test_admin_routes(
    admin: ApiClient, rp: ApiClient, receiver: Receiver, clock: FakeClock
) -> None:
    shop(clock)
    assert_error(
        admin.post("/admin/webhooks", {"application": "Nope", "url": receiver.url, "events": ALL}),
        404,
        "not_found",
    )
    assert_error(
        admin.post(
            "/admin/webhooks", {"application": "Shop", "url": receiver.url, "events": ["x"]}
        ),
        422,
        "validation_error",
    )
    assert_error(rp.get("/admin/webhooks"), 403, "insufficient_scope")
    made = subscribe(admin, receiver.url, events=["mfa.reset"])
    listed = admin.get("/admin/webhooks").json()
    assert [w["id"] for w in listed] == [made["id"]]
    assert "secret" not in listed[0]
    assert admin.get(f"/admin/webhooks/{made['id']}").json()["events"] == ["mfa.reset"]
    tested = admin.post(f"/admin/webhooks/{made['id']}/test")
    assert tested.status_code == 202, tested.content
    assert tested.json()["event_type"] == "webhook.test"
    assert deliver_due(clock=clock).delivered == 1
    event = verify(
        receiver.requests[0].body,
        receiver.requests[0].headers["Twostep-Signature"],
        made["secret"],
        now=clock().timestamp(),
    )
    assert event.type == "webhook.test"
    assert Event.objects.filter(event="webhook.created").count() == 1
    assert admin.delete(f"/admin/webhooks/{made['id']}").status_code == 204
    assert_error(admin.get(f"/admin/webhooks/{made['id']}"), 404, "not_found")
    assert Delivery.objects.count() == 0
    assert Event.objects.filter(event="webhook.deleted").count() == 1


def test_two_claims_of_one_delivery_have_one_winner(admin: ApiClient, clock: FakeClock) -> None:
    app = shop(clock)
    subscribe(admin, "https://shop.example/hooks")
    enable(app, clock, "u-1")
    pk = Delivery.objects.get().pk
    assert delivery._claim(pk, clock) is not None
    assert delivery._claim(pk, clock) is None
    clock.advance(seconds=delivery.LEASE.total_seconds() + 1)  # a dead worker's claim lapses
    assert delivery._claim(pk, clock) is not None


def test_rotate_keys_re_seals_the_secrets(
    admin: ApiClient, clock: FakeClock, settings: Any
) -> None:
    from twostep.server.crypto import DecryptionError
    from twostep.server.webhooks.subscriptions import rotate_secrets, secret_of

    shop(clock)
    made = subscribe(admin, "https://shop.example/hooks")
    old = list(settings.TWOSTEP_SECRET_KEYS)
    new = "brand-new-key-" + "x" * 30
    settings.TWOSTEP_SECRET_KEYS = [new, *old]
    assert rotate_secrets() == (1, [])
    assert rotate_secrets() == (0, [])
    settings.TWOSTEP_SECRET_KEYS = [new]
    assert secret_of(Subscription.objects.get()) == made["secret"]
    settings.TWOSTEP_SECRET_KEYS = old
    with pytest.raises(DecryptionError):
        secret_of(Subscription.objects.get())
    # A delivery whose secret cannot be opened is a failure in words, never sent unsigned.
    admin.post(f"/admin/webhooks/{made['id']}/test")
    assert deliver_due(clock=clock).retrying == 1
    assert "cannot be decrypted" in Delivery.objects.get().error


def test_the_log_forgets_finished_deliveries_after_30_days(
    admin: ApiClient, clock: FakeClock
) -> None:
    from twostep.server.webhooks.delivery import prune

    shop(clock)
    made = subscribe(admin, "http://127.0.0.1:9/unreachable")
    admin.post(f"/admin/webhooks/{made['id']}/test")
    admin.post(f"/admin/webhooks/{made['id']}/test")
    first = Delivery.objects.order_by("id").values_list("pk", flat=True)[0]
    Delivery.objects.filter(pk=first).update(status="delivered")
    clock.advance(days=31)
    assert prune(clock=clock) == 1
    assert list(Delivery.objects.values_list("status", flat=True)) == ["pending"]


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://[fd00::1]/x",
        "https://[::ffff:10.0.0.5]/x",
        "https://224.0.0.1/x",
        "https://0.0.0.0/x",
        "https://100.64.0.1/x",
        "https://240.0.0.1/x",
        "https://2130706433/x",  # 127.0.0.1 in another spelling: not "localhost"
        "https://127.0.0.2/x",
    ],
)
def test_private_addresses_are_refused_at_subscription(
    admin: ApiClient, clock: FakeClock, settings: Any, url: str
) -> None:
    shop(clock)
    refused = admin.post("/admin/webhooks", {"application": "Shop", "url": url, "events": ALL})
    assert assert_error(refused, 422, "invalid")["field"] == "url"
    assert "public addresses only" in refused.content.decode()
    settings.TWOSTEP_WEBHOOKS_ALLOW_PRIVATE = True
    subscribe(admin, url)


def test_a_delivery_to_a_refused_address_is_logged_and_not_sent(
    admin: ApiClient, receiver: Receiver, clock: FakeClock, settings: Any
) -> None:
    app = shop(clock)
    made = subscribe(admin, receiver.url)
    port = receiver.url.split(":")[2].split("/")[0]
    # Stored before this check, or changed behind its back: checked again when delivering.
    Subscription.objects.filter(pk=made["id"]).update(url=f"http://2130706433:{port}/hooks")
    enable(app, clock, "u-1")
    assert deliver_due(clock=clock).retrying == 1
    row = Delivery.objects.get()
    assert row.response_code is None
    assert row.error.startswith("refused: 2130706433 resolves to 127.0.0.1: ")
    assert "loopback" in row.error
    assert "TWOSTEP_WEBHOOKS_ALLOW_PRIVATE=1" in row.error
    assert receiver.requests == []
    Subscription.objects.filter(pk=made["id"]).update(url="http://169.254.169.254/latest")
    clock.advance(minutes=2)
    deliver_due(clock=clock)
    assert "169.254.169.254 is a link-local address" in Delivery.objects.get().error
    # Allowed: sent to the address resolved, with the URL's host in the Host header.
    settings.TWOSTEP_WEBHOOKS_ALLOW_PRIVATE = True
    Subscription.objects.filter(pk=made["id"]).update(url=f"http://2130706433:{port}/hooks")
    clock.advance(minutes=10)
    assert deliver_due(clock=clock).delivered == 1
    assert receiver.requests[0].headers["Host"] == f"2130706433:{port}"
