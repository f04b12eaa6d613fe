"""The counters of attempts: one row per lane and key (an account, a typed name, a network).

``scope`` is the lane (``code``, ``password``, ``address``, ``device``, ``recovery``,
``reset``, ``reset_network``); ``key`` the account id, ``name:`` and a hash of a typed name, a
network, or a known device's id. The rules are in :mod:`.throttle`.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class Throttle(models.Model):
    CODE = "code"
    PASSWORD = "password"  # noqa: S105 - a lane name
    ADDRESS = "address"
    DEVICE = "device"  # a known device's password failures (key: its device id)
    RECOVERY = "recovery"  # recovery codes while the code lane is locked (key: account id)
    RESET = "reset"  # password reset links asked for, per account (or typed address)
    RESET_NETWORK = "reset_network"  # the same, per client network

    scope = models.CharField(max_length=16)
    key = models.CharField(max_length=128)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="throttles",
    )
    failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "mfa_throttle"  # made by the mfa app's first migration
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["scope", "key"], name="throttle_scope_key_unique")
        ]
        indexes: ClassVar = [
            models.Index(fields=["scope", "locked_at"], name="throttle_locked_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} ({self.failures} failures)"
