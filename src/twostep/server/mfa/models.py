"""Two-step verification state: devices, pending enrolments, recovery codes.

- :class:`Device`: a confirmed TOTP authenticator (one per user). The secret is stored only
  encrypted (AES-256-GCM, see :mod:`twostep.server.crypto`), bound to the row by
  :meth:`Device.aad`. ``last_step`` is the newest accepted time step: a code is accepted only for
  a newer step, raised with one conditional UPDATE (replay and race protection).
- :class:`PendingEnrolment`: a secret being set up; not a credential until confirmed with a code;
  expires after 10 minutes; at most one per user (a new one replaces the old).
- :class:`RecoveryCode`: single-use codes, stored as salted PBKDF2 hashes only.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models


class Device(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    name = models.CharField(max_length=100, default="Authenticator app")
    secret_sealed = models.BinaryField()
    key_id = models.CharField(max_length=16)
    algorithm = models.CharField(max_length=8, default="SHA1")
    digits = models.PositiveSmallIntegerField(default=6)
    period = models.PositiveSmallIntegerField(default=30)
    last_step = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["key_id"], name="device_key_idx")]

    def __str__(self) -> str:
        return f"{self.name} of user {self.user_id}"

    def aad(self) -> bytes:
        return f"twostep:device:{self.id}:{self.user_id}".encode()


class PendingEnrolment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_enrolment"
    )
    secret_sealed = models.BinaryField()
    key_id = models.CharField(max_length=16)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"pending enrolment of user {self.user_id}"

    def aad(self) -> bytes:
        return f"twostep:pending:{self.id}:{self.user_id}".encode()


class RecoveryCode(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    salt = models.BinaryField()
    digest = models.BinaryField()
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "used_at"], name="recovery_user_idx")]

    def __str__(self) -> str:
        return f"recovery code {self.pk} of user {self.user_id}"
