"""Webhook subscriptions of applications, and the deliveries waiting or done (the outbox).

- :class:`Subscription`: an application's URL that receives the events it chose about its
  users; the signing secret is sealed (AES-GCM, ``TWOSTEP_SECRET_KEYS``), bound to the row.
- :class:`Delivery`: one event for one subscription. Written in the transaction of the change
  it tells about; a worker claims it with a conditional UPDATE and sends it, again later when
  the receiver failed. ``body`` is the exact JSON sent (every attempt sends the same bytes).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models

from ..applications.models import Application


class Subscription(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    url = models.CharField(max_length=2000)
    events = models.JSONField(default=list)
    organisation_users = models.BooleanField(
        default=False,
        help_text="also the events of the organisation's users (who belong to no application)",
    )
    secret_sealed = models.BinaryField()
    key_id = models.CharField(max_length=16)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar = ["application__name", "id"]

    def __str__(self) -> str:
        return f"webhook {self.pk} of application {self.application_id}"

    def aad(self) -> bytes:
        return f"twostep:webhook:{self.pk}:{self.application_id}".encode()


class Delivery(models.Model):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    STATUSES = ((PENDING, "pending"), (DELIVERED, "delivered"), (FAILED, "failed (gave up)"))

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=300, blank=True, default="")
    error = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["status", "next_attempt_at"], name="webhooks_due"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.event_type}, {self.status})"

    @property
    def event_ref(self) -> str:
        return f"evt_{self.event_id.hex}"
