"""The events an application hears about its users, and writing them to the outbox.

Which users' events an application gets: those of its own users (``AppUser``: made through
one of its verify keys). The organisation's users (accounts made in the console or the CLI,
that belong to no application) are told only to the subscriptions an administrator made with
``organisation_users`` on: the choice for an application whose key was granted
``may_enrol_any_user`` (an intranet that enrols the organisation's people); without it, no
application hears about people that are not its own.

- ``EVENTS``: the event types and what each means; ``TEST_EVENT``;
- ``emit(user, event_type, data=None, *, clock, event_id=None) -> int`` writes one delivery per
  subscription that wants the event (in the caller's transaction: the outbox) and wakes this
  process's delivery worker once the transaction commits; the number written;
- ``send_test(subscription, *, clock) -> Delivery`` a ``webhook.test`` event, at once;
- ``payload(...)``: the JSON body (docs/api.md, "Webhooks").
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Final

from django.db import transaction

from ..accounts.models import User
from ..applications.models import AppUser
from ..clock import Clock
from .models import Delivery, Subscription

__all__ = ["EVENTS", "TEST_EVENT", "emit", "payload", "send_test"]

EVENTS: Final = {
    "mfa.enabled": "the user set up two-step verification",
    "mfa.reset": "an administrator reset the user's two-step verification (end their sessions)",
    "mfa.disabled": "the user turned two-step verification off",
    "user.locked": "the user is locked out: too many wrong codes, or the setup deadline passed",
    "mfa.recovery_code_used": "the user signed in with a recovery code",
}
TEST_EVENT: Final = "webhook.test"


def _when(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def payload(
    *,
    event_id: uuid.UUID,
    event_type: str,
    created: datetime,
    application: str,
    user: dict[str, Any] | None,
    data: dict[str, Any] | None = None,
) -> str:
    body = {
        "id": f"evt_{event_id.hex}",
        "type": event_type,
        "created": _when(created),
        "application": application,
        "data": {"user": user, **(data or {})},
    }
    return json.dumps(body, separators=(",", ":"), sort_keys=False)


def _user_ref(user: User, membership: AppUser | None) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "external_id": membership.external_id if membership else user.external_id,
    }


def _wake_worker() -> None:
    from .worker import nudge  # the worker sends; imported late, it imports httpx

    nudge()


def emit(
    user: User,
    event_type: str,
    data: dict[str, Any] | None = None,
    *,
    clock: Clock,
    event_id: uuid.UUID | None = None,
) -> int:
    if event_type not in EVENTS:
        raise ValueError(f"unknown webhook event {event_type!r}")
    membership = AppUser.objects.filter(user=user).first()
    if membership is not None:
        subscriptions = Subscription.objects.filter(application_id=membership.application_id)
    else:
        subscriptions = Subscription.objects.filter(organisation_users=True)
    wanted = [s for s in subscriptions.select_related("application") if event_type in s.events]
    if not wanted:
        return 0
    if event_id is not None and Delivery.objects.filter(event_id=event_id).exists():
        return 0  # told already (an event id names one event)
    now = clock()
    event_id = event_id or uuid.uuid4()
    ref = _user_ref(user, membership)
    Delivery.objects.bulk_create(
        Delivery(
            subscription=sub,
            event_id=event_id,
            event_type=event_type,
            body=payload(
                event_id=event_id,
                event_type=event_type,
                created=now,
                application=sub.application.name,
                user=ref,
                data=data,
            ),
            next_attempt_at=now,
            created_at=now,
        )
        for sub in wanted
    )
    transaction.on_commit(_wake_worker)
    return len(wanted)


def send_test(subscription: Subscription, *, clock: Clock) -> Delivery:
    now = clock()
    event_id = uuid.uuid4()
    delivery = Delivery.objects.create(
        subscription=subscription,
        event_id=event_id,
        event_type=TEST_EVENT,
        body=payload(
            event_id=event_id,
            event_type=TEST_EVENT,
            created=now,
            application=subscription.application.name,
            user=None,
            data={"subscription": subscription.pk},
        ),
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(_wake_worker)
    return delivery
