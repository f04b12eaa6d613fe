"""What an application that uses twostep is known by: its API keys.

Only SHA-256 digests of the keys are stored; ``lookup`` is the public part that finds the row.

- :class:`ApiKey`: made by an administrator (console, CLI or the API itself), scope ``verify``
  (the authentication service for relying parties) or ``admin``; ``allow_create_users`` lets a
  verify key create users that exist only for its application; revoked keys stay for the
  record (``revoked_at``); ``last_used_at`` is updated at most once a minute. An admin key made
  by an administrator (``made_by_user``) stops working when that person is no longer an active
  administrator.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class ApiKey(models.Model):
    VERIFY = "verify"
    ADMIN = "admin"
    SCOPES = ((VERIFY, "verify: the authentication service"), (ADMIN, "admin: administration"))

    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=8, choices=SCOPES)
    lookup = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    allow_create_users = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_by_user = models.BooleanField(
        default=False, help_text="made by an administrator (not the command line)"
    )
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "api_apikey"  # made by the api app's first migration
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.scope}, tsk_{self.lookup}_...)"

    @property
    def creator_gone(self) -> bool:
        """An admin key acts for the administrator who made it: True once that person was
        deleted, deactivated or is no longer an administrator (the key then stops working)."""
        if not self.made_by_user:
            return False
        creator = self.created_by
        return creator is None or not creator.is_active or not creator.role.is_admin

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def display_prefix(self) -> str:
        return f"tsk_{self.lookup}_"
