"""A user's second factor as it stands, and the changes to it that need no code check.

Queries: ``is_enrolled(user)``, ``device_for(user)``, ``recovery_codes_left(user)``,
``lockout_status(user, *, clock) -> throttle.Status``.

Changes (each in one transaction; the use cases add what other parts do with them, such as the
policy's enrolment period and the mail):

- ``store_recovery_codes(user, now) -> list[str]`` ten new codes, the old ones gone;
- ``remove_device(user) -> bool`` the device, a pending setup and the recovery codes go, and the
  user is signed out everywhere (True if there was a device);
- ``unlock(user, *, actor, clock, address=None) -> bool`` lift a lockout (True if locked).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from ..accounts.models import User
from ..accounts.services import end_sessions
from ..attempts import throttle
from ..attempts.models import Throttle
from ..audit.services import Events, record
from ..clock import Clock
from .models import Device, PendingEnrolment, RecoveryCode
from .recovery import generate_recovery_codes, hash_recovery_code

__all__ = [
    "device_for",
    "is_enrolled",
    "lockout_status",
    "recovery_codes_left",
    "remove_device",
    "store_recovery_codes",
    "unlock",
]


def is_enrolled(user: User) -> bool:
    return Device.objects.filter(user=user).exists()


def device_for(user: User) -> Device | None:
    """The user's device; the one read with the user if the reader marked it so
    (``device_fetched``: a verification's own read, one query less per API verify). Only then:
    Django also caches the device when one is created for this object, and does not forget it
    on delete."""
    fetched = getattr(getattr(user, "_state", None), "fields_cache", {})
    if getattr(user, "device_fetched", False) and "totp_device" in fetched:
        return fetched["totp_device"]  # type: ignore[no-any-return]  # Device, or None: none
    return Device.objects.filter(user=user).first()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def lockout_status(user: User, *, clock: Clock) -> throttle.Status:
    return throttle.status(Throttle.CODE, str(user.pk), clock=clock)


def store_recovery_codes(user: User, now: datetime) -> list[str]:
    codes = generate_recovery_codes()
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        rows = []
        for code in codes:
            salt, digest = hash_recovery_code(code)
            rows.append(RecoveryCode(user=user, salt=salt, digest=digest, created_at=now))
        RecoveryCode.objects.bulk_create(rows)
    return codes


def remove_device(user: User) -> bool:
    with transaction.atomic():
        removed = Device.objects.filter(user=user).delete()[0]
        PendingEnrolment.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        end_sessions(user)
    return removed > 0


def unlock(user: User, *, actor: User | None, clock: Clock, address: str | None = None) -> bool:
    was_locked = throttle.unlock(user, clock=clock)
    record(
        Events.UNLOCKED,
        clock=clock,
        actor=actor,
        subject=user,
        address=address,
        was_locked=was_locked,
    )
    return was_locked
