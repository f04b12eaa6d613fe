"""The webhook methods of :class:`~.client.Client` and :class:`~.aio.AsyncClient` (admin
keys): mixed into both, the async ones the same as coroutines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import _webhook_ops as ops
from . import webhook_models as w

__all__ = ["AsyncWebhookMethods", "WebhookMethods"]


class WebhookMethods:
    _call: Any

    def list_webhooks(self) -> tuple[w.WebhookSubscription, ...]:
        return self._call(ops.list_webhooks())  # type: ignore[no-any-return]

    def create_webhook(
        self,
        application: str,
        url: str,
        events: Iterable[str],
        *,
        organisation_users: bool = False,
    ) -> w.CreatedWebhookSubscription:
        """Subscribe ``url`` to ``events`` about ``application``'s users; ``.secret`` holds
        the signing secret, this once (keep it in the receiver's secret store)."""
        call = ops.create_webhook(application, url, events, organisation_users=organisation_users)
        return self._call(call)  # type: ignore[no-any-return]

    def get_webhook(self, webhook_id: int) -> w.WebhookSubscription:
        return self._call(ops.get_webhook(webhook_id))  # type: ignore[no-any-return]

    def delete_webhook(self, webhook_id: int) -> None:
        self._call(ops.delete_webhook(webhook_id))

    def list_webhook_deliveries(
        self, webhook_id: int, *, limit: int = 50, offset: int = 0
    ) -> tuple[w.WebhookDelivery, ...]:
        call = ops.list_webhook_deliveries(webhook_id, limit=limit, offset=offset)
        return self._call(call)  # type: ignore[no-any-return]

    def test_webhook(self, webhook_id: int) -> w.WebhookDelivery:
        """Send a ``webhook.test`` event (in the background); see it in the deliveries."""
        return self._call(ops.test_webhook(webhook_id))  # type: ignore[no-any-return]


class AsyncWebhookMethods:
    _call: Any

    async def list_webhooks(self) -> tuple[w.WebhookSubscription, ...]:
        return await self._call(ops.list_webhooks())  # type: ignore[no-any-return]

    async def create_webhook(
        self,
        application: str,
        url: str,
        events: Iterable[str],
        *,
        organisation_users: bool = False,
    ) -> w.CreatedWebhookSubscription:
        call = ops.create_webhook(application, url, events, organisation_users=organisation_users)
        return await self._call(call)  # type: ignore[no-any-return]

    async def get_webhook(self, webhook_id: int) -> w.WebhookSubscription:
        return await self._call(ops.get_webhook(webhook_id))  # type: ignore[no-any-return]

    async def delete_webhook(self, webhook_id: int) -> None:
        await self._call(ops.delete_webhook(webhook_id))

    async def list_webhook_deliveries(
        self, webhook_id: int, *, limit: int = 50, offset: int = 0
    ) -> tuple[w.WebhookDelivery, ...]:
        call = ops.list_webhook_deliveries(webhook_id, limit=limit, offset=offset)
        return await self._call(call)  # type: ignore[no-any-return]

    async def test_webhook(self, webhook_id: int) -> w.WebhookDelivery:
        return await self._call(ops.test_webhook(webhook_id))  # type: ignore[no-any-return]
