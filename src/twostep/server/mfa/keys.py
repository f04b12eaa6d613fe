"""The server's keys for the secrets it stores (``TWOSTEP_SECRET_KEYS``): sealing, opening and
re-encrypting under the current key.

- ``keyring() -> Keyring`` the configured keys (the first seals, all open);
- ``open_secret(sealed, key_id, aad) -> Secret``;
- ``rotate_keys(*, clock) -> RotationReport`` re-encrypts every stored secret under the current
  key (``twostep rotate-keys``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from twostep.otp import Secret

from ..audit.services import Events, record
from ..clock import Clock
from ..crypto import DecryptionError, Keyring
from .models import Device, PendingEnrolment

__all__ = ["RotationReport", "keyring", "open_secret", "rotate_keys"]


@functools.cache
def _keyring_for(keys: tuple[str, ...]) -> Keyring:
    return Keyring(keys)


def keyring() -> Keyring:
    return _keyring_for(tuple(settings.TWOSTEP_SECRET_KEYS))


def open_secret(sealed: Any, key_id: str, aad: bytes) -> Secret:
    """Raises ``DecryptionError`` when no configured key opens it."""
    return Secret(keyring().open(bytes(sealed), key_id, aad))


@dataclass
class RotationReport:
    devices: int = 0
    pending: int = 0
    already_current: int = 0
    unreadable: list[str] = field(default_factory=list)


def rotate_keys(*, clock: Clock) -> RotationReport:
    ring = keyring()
    current = ring.current_key_id
    report = RotationReport()
    models: tuple[tuple[type[Device] | type[PendingEnrolment], str], ...] = (
        (Device, "devices"),
        (PendingEnrolment, "pending"),
    )
    for model, attr in models:
        for row in model.objects.exclude(key_id=current).iterator():
            try:
                raw = ring.open(bytes(row.secret_sealed), row.key_id, row.aad())
            except DecryptionError:
                report.unreadable.append(f"{model.__name__} {row.pk} (user {row.user_id})")
                continue
            sealed, key_id = ring.seal(raw, row.aad())
            updated = model.objects.filter(pk=row.pk, key_id=row.key_id).update(
                secret_sealed=sealed, key_id=key_id
            )
            setattr(report, attr, getattr(report, attr) + updated)
        report.already_current += model.objects.filter(key_id=current).count()
    report.already_current -= report.devices + report.pending
    record(
        Events.KEYS_ROTATED,
        clock=clock,
        devices=report.devices,
        pending=report.pending,
        unreadable=len(report.unreadable),
        current_key=current,
    )
    return report
