"""The admin API's webhook endpoints as :class:`~._core.Call` s, shared by both clients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import webhook_models as w
from ._core import Call, nothing


def _list(parse: Any) -> Any:
    return lambda data: tuple(parse(item) for item in data)


def list_webhooks() -> Call[tuple[w.WebhookSubscription, ...]]:
    return Call("GET", "/admin/webhooks", _list(w.WebhookSubscription.from_json))


def create_webhook(
    application: str, url: str, events: Iterable[str], *, organisation_users: bool
) -> Call[w.CreatedWebhookSubscription]:
    body = {
        "application": application,
        "url": url,
        "events": list(events),
        "organisation_users": organisation_users,
    }
    return Call("POST", "/admin/webhooks", w.CreatedWebhookSubscription.from_json, body=body)


def get_webhook(webhook_id: int) -> Call[w.WebhookSubscription]:
    return Call("GET", f"/admin/webhooks/{int(webhook_id)}", w.WebhookSubscription.from_json)


def delete_webhook(webhook_id: int) -> Call[None]:
    return Call("DELETE", f"/admin/webhooks/{int(webhook_id)}", nothing)


def list_webhook_deliveries(
    webhook_id: int, *, limit: int, offset: int
) -> Call[tuple[w.WebhookDelivery, ...]]:
    return Call(
        "GET",
        f"/admin/webhooks/{int(webhook_id)}/deliveries",
        _list(w.WebhookDelivery.from_json),
        params={"limit": limit, "offset": offset},
    )


def test_webhook(webhook_id: int) -> Call[w.WebhookDelivery]:
    return Call("POST", f"/admin/webhooks/{int(webhook_id)}/test", w.WebhookDelivery.from_json)
