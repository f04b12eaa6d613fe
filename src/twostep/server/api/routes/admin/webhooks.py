"""Admin API: applications' webhook subscriptions and their deliveries (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from ....clock import get_clock
from ....webhooks.events import send_test
from ....webhooks.models import Delivery, Subscription
from ....webhooks.subscriptions import (
    create_subscription,
    delete_subscription,
    deliveries,
    get_subscription,
    list_subscriptions,
)
from ...errors import ApiError
from ...schemas.admin import Paging
from ...schemas.webhooks import DeliveryOut, WebhookCreatedOut, WebhookIn, WebhookOut
from .common import READ, WRITE, id_in_range, router, who


def webhook_out(sub: Subscription, secret: str | None = None) -> dict[str, Any]:
    out = {
        "id": sub.pk,
        "application": sub.application.name,
        "url": sub.url,
        "events": list(sub.events),
        "organisation_users": sub.organisation_users,
        "created_at": sub.created_at,
        "created_by": sub.created_by.username if sub.created_by else None,
    }
    if secret is not None:
        out["secret"] = secret
    return out


def delivery_out(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "event_id": delivery.event_ref,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at,
        "last_attempt_at": delivery.last_attempt_at,
        "next_attempt_at": (
            delivery.next_attempt_at if delivery.status == Delivery.PENDING else None
        ),
        "delivered_at": delivery.delivered_at,
        "response_code": delivery.response_code,
        "response_body": delivery.response_body,
        "error": delivery.error,
    }


def _sub(webhook_id: int) -> Subscription:
    sub = get_subscription(id_in_range(webhook_id))
    if sub is None:
        raise ApiError("not_found", f"There is no webhook subscription with id {webhook_id}.")
    return sub


@router.get(
    "/webhooks",
    response={200: list[WebhookOut], **READ},
    summary="Webhook subscriptions (never their secrets)",
    operation_id="list_webhooks",
)
def list_webhooks(request: HttpRequest) -> Any:
    return [webhook_out(s) for s in list_subscriptions().select_related("created_by")]


@router.post(
    "/webhooks",
    response={201: WebhookCreatedOut, **WRITE},
    summary="Subscribe an application's URL to events: the secret is in this answer only",
    operation_id="create_webhook",
)
def create_webhook(request: HttpRequest, body: WebhookIn) -> Any:
    sub, secret = create_subscription(
        application=body.application,
        url=body.url,
        events=body.events,
        organisation_users=body.organisation_users,
        **who(request),
    )
    return Status(201, webhook_out(sub, secret))


@router.get(
    "/webhooks/{webhook_id}",
    response={200: WebhookOut, **READ},
    summary="A webhook subscription",
    operation_id="get_webhook",
)
def get_webhook(request: HttpRequest, webhook_id: int) -> Any:
    return webhook_out(_sub(webhook_id))


@router.delete(
    "/webhooks/{webhook_id}",
    response={204: None, **WRITE},
    summary="Remove a webhook subscription (and its delivery log)",
    operation_id="delete_webhook",
)
def delete_webhook(request: HttpRequest, webhook_id: int) -> Any:
    delete_subscription(_sub(webhook_id), **who(request))
    return Status(204, None)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: list[DeliveryOut], **READ},
    summary="The subscription's deliveries, newest first",
    operation_id="list_webhook_deliveries",
)
def list_deliveries(request: HttpRequest, webhook_id: int, paging: Query[Paging]) -> Any:
    rows = deliveries(_sub(webhook_id), limit=paging.offset + paging.limit)[paging.offset :]
    return [delivery_out(d) for d in rows]


@router.post(
    "/webhooks/{webhook_id}/test",
    response={202: DeliveryOut, **WRITE},
    summary="Send a webhook.test event to the subscription's URL (delivered in the background)",
    operation_id="test_webhook",
)
def test_webhook(request: HttpRequest, webhook_id: int) -> Any:
    return Status(202, delivery_out(send_test(_sub(webhook_id), clock=get_clock())))
