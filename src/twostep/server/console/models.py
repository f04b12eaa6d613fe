"""What the admin console stores itself (the users, roles, groups and policy live in their apps).

- :class:`Invitation`: an invited user's one-time link to choose a password (and so verify the
  email address). Only a SHA-256 hash of the link's token is stored; one open invitation per
  user (a new one replaces the old); it expires after :data:`INVITATION_LIFETIME`.
- :class:`Notice`: the mails about a 2FA requirement that were sent (``required``, ``reminder``,
  ``locked``), one row per user, kind and deadline (``key``), so that ``twostep remind`` sends
  each mail once however often it runs, and two runs at once cannot both send it (the unique
  constraint decides).
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar, Final

from django.conf import settings
from django.db import models

INVITATION_LIFETIME: Final = timedelta(days=7)


class Invitation(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitation"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation of user {self.user_id}"


class Notice(models.Model):
    REQUIRED = "required"
    REMINDER = "reminder"
    LOCKED = "locked"
    KINDS = ((REQUIRED, "2FA now required"), (REMINDER, "Reminder"), (LOCKED, "Deadline passed"))

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_notices"
    )
    kind = models.CharField(max_length=16, choices=KINDS)
    key = models.CharField(max_length=64)
    sent_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice to user {self.user_id} ({self.key})"
