"""Sync accounts, their devices, their one vault and their address verifications.

Nothing here is a secret in clear: ``auth_hash`` and ``recovery_auth_hash`` are Argon2id hashes
of keys the client derived, ``wrapped_key``/``recovery_wrapped_key`` and the vault's
``ciphertext`` are encrypted under keys the server never sees, device tokens and link tokens are
kept as SHA-256 digests, verification codes as HMACs.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q


class SyncAccount(models.Model):
    email = models.CharField(max_length=254)
    verified = models.BooleanField(default=False)
    #: registered while a verified account had the address: it never gets a verification mail
    shadow = models.BooleanField(default=False)
    auth_hash = models.CharField(max_length=256)
    recovery_auth_hash = models.CharField(max_length=256)
    salt = models.CharField(max_length=64)
    kdf = models.JSONField()
    wrapped_key = models.CharField(max_length=512)
    recovery_wrapped_key = models.CharField(max_length=512)
    created_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["email"], condition=Q(verified=True), name="sync_one_verified_email"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["email"], name="sync_account_email_idx")]

    def __str__(self) -> str:
        return f"sync account {self.pk}"


class SyncVault(models.Model):
    """The account's encrypted vault; ``version`` counts uploads (0: nothing yet)."""

    account = models.OneToOneField(
        SyncAccount, on_delete=models.CASCADE, primary_key=True, related_name="vault"
    )
    version = models.PositiveIntegerField(default=0)
    ciphertext = models.BinaryField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"vault of sync account {self.pk} (version {self.version})"


class SyncDevice(models.Model):
    account = models.ForeignKey(SyncAccount, on_delete=models.CASCADE, related_name="devices")
    lookup = models.CharField(max_length=12, unique=True)
    token_digest = models.CharField(max_length=64)
    name = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sync device {self.lookup}"


class SyncVerification(models.Model):
    """A mailed link and code that confirm an account's address: one hour, once."""

    account = models.ForeignKey(SyncAccount, on_delete=models.CASCADE, related_name="verifications")
    token_digest = models.CharField(max_length=64, unique=True)
    code_digest = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"verification of sync account {self.account_id}"
