"""The audit log: one row per security decision. Never holds a secret, code or password."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class Event(models.Model):
    at = models.DateTimeField()
    event = models.CharField(max_length=64)
    # No index of their own on actor and subject: the (actor, at) and (subject, at) indexes
    # below serve every lookup by either, and each index is one more write per row (a code
    # attempt writes a row).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(max_length=150, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        db_index=False,
    )
    subject_label = models.CharField(max_length=150, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["at"], name="audit_at_idx"),
            models.Index(fields=["event", "at"], name="audit_event_at_idx"),
            models.Index(fields=["subject", "at"], name="audit_subject_at_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.event} {self.subject_label}"
