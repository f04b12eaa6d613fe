"""The account's encrypted vault: read it, and write it only on top of the version the writer
read.

``put_vault`` is one conditional ``UPDATE ... SET version = version + 1 WHERE account = ... AND
version = base_version``: of two uploads on the same base version, in any processes, exactly
one matches the row and the other gets :class:`~.errors.VersionConflictError` with the version
now current (the loser downloads, merges and uploads again). Nothing is written before the
whole body has arrived and been checked, so a dropped upload leaves the last good version.

- ``get_vault(device) -> dict``; ``put_vault(device, base_version, ciphertext, *, clock,
  address) -> dict`` (:class:`~.errors.TooLargeError` past ``TWOSTEP_SYNC_MAX_BYTES``);
- ``account_summary(device) -> dict`` (``GET account``, also while pending);
- ``max_upload_body() -> int``: the bytes of an upload's request body worth reading.
"""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.db.models import F

from ..audit.services import record
from ..clock import Clock
from . import fields
from .errors import InvalidFieldError, TooLargeError, VersionConflictError
from .events import SyncEvents
from .models import SyncAccount, SyncDevice, SyncVault


def limit_bytes() -> int:
    return int(settings.TWOSTEP_SYNC_MAX_BYTES)


def max_upload_body() -> int:
    """The largest request body of an upload worth reading: the largest vault in base64 (4
    bytes for 3) and the JSON around it. Other requests keep Django's bound (256 KiB)."""
    return limit_bytes() * 4 // 3 + 4096


def too_large() -> TooLargeError:
    limit = limit_bytes()
    return TooLargeError(
        f"The encrypted vault is larger than this server keeps per account ({limit} bytes). "
        "Remove accounts you no longer use, or ask the administrator to raise "
        "TWOSTEP_SYNC_MAX_BYTES.",
        limit=limit,
    )


def get_vault(device: SyncDevice) -> dict[str, Any]:
    account = SyncAccount.objects.get(pk=device.account_id)
    vault = SyncVault.objects.get(pk=device.account_id)
    return {
        "version": vault.version,
        "ciphertext": (
            base64.b64encode(bytes(vault.ciphertext)).decode("ascii")
            if vault.ciphertext is not None
            else None
        ),
        "wrapped_key": account.wrapped_key,
        "recovery_wrapped_key": account.recovery_wrapped_key,
        "salt": account.salt,
        "kdf": account.kdf,
        "updated_at": vault.updated_at,
    }


def put_vault(
    device: SyncDevice, base_version: Any, ciphertext: Any, *, clock: Clock, address: str | None
) -> dict[str, Any]:
    base = fields.version(base_version)
    if isinstance(ciphertext, str) and len(ciphertext) > (limit_bytes() + 2) // 3 * 4 + 4:
        raise _refuse(device, clock=clock, address=address)
    raw = fields.b64("ciphertext", ciphertext)
    if len(raw) > limit_bytes():
        raise _refuse(device, clock=clock, address=address)
    if len(raw) < 12 + 16:
        raise InvalidFieldError("ciphertext", "ciphertext is too short to be AES-GCM output.")
    now = clock()
    updated = SyncVault.objects.filter(account_id=device.account_id, version=base).update(
        version=F("version") + 1, ciphertext=raw, size=len(raw), updated_at=now
    )
    if updated != 1:
        current = SyncVault.objects.values_list("version", flat=True).get(pk=device.account_id)
        record(
            SyncEvents.VAULT_CONFLICT,
            clock=clock,
            address=address,
            sync_account=device.account_id,
            device=device.lookup,
            base_version=base,
            version=current,
        )
        raise VersionConflictError(version=current)
    record(
        SyncEvents.VAULT_UPLOADED,
        clock=clock,
        address=address,
        sync_account=device.account_id,
        device=device.lookup,
        version=base + 1,
        size=len(raw),
    )
    return {"version": base + 1, "updated_at": now}


def _refuse(device: SyncDevice, *, clock: Clock, address: str | None) -> TooLargeError:
    record(
        SyncEvents.VAULT_TOO_LARGE,
        clock=clock,
        address=address,
        sync_account=device.account_id,
        device=device.lookup,
    )
    return too_large()


def account_summary(device: SyncDevice) -> dict[str, Any]:
    account = device.account
    vault = SyncVault.objects.get(pk=account.pk)
    return {
        "email": account.email,
        "verified": account.verified,
        "created_at": account.created_at,
        "vault_version": vault.version,
        "vault_bytes": vault.size,
        "limit_bytes": limit_bytes(),
        "devices": SyncDevice.objects.filter(account=account).count(),
        "device_id": device.lookup,
    }
