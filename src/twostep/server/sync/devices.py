"""Devices of a sync account and their bearer tokens (``tsy_<id>_<secret>``, only the SHA-256
digest stored). A revoked device's row is deleted, so its token is refused from the next
request on.

- ``add_device(account, name, *, clock) -> (SyncDevice, token text)`` (raises
  :class:`~.errors.TooManyDevicesError` past :data:`MAX_DEVICES`);
- ``authenticate(authorization, *, clock, allow_pending=False) -> SyncDevice`` from an
  ``Authorization`` header value; raises :class:`~.errors.UnauthorizedError`, or
  :class:`~.errors.UnverifiedError` for a pending account unless ``allow_pending``;
- ``list_devices(device) -> list[dict]``; ``revoke(device, device_id, *, clock, address)``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from ..audit.services import record
from ..clock import Clock
from ..tokens import SYNC_DEVICE, digest_matches, generate_token, parse_token
from .errors import NotFoundError, TooManyDevicesError, UnauthorizedError, UnverifiedError
from .events import SyncEvents
from .models import SyncAccount, SyncDevice

MAX_DEVICES: Final = 20
#: last_seen_at is written at most this often (a read of the vault should not always write)
SEEN_GRANULARITY: Final = timedelta(minutes=5)


def add_device(account: SyncAccount, name: str, *, clock: Clock) -> tuple[SyncDevice, str]:
    if SyncDevice.objects.filter(account=account).count() >= MAX_DEVICES:
        raise TooManyDevicesError()
    issued = generate_token(SYNC_DEVICE)
    now = clock()
    device = SyncDevice.objects.create(
        account=account,
        lookup=issued.lookup,
        token_digest=issued.digest,
        name=name,
        created_at=now,
        last_seen_at=now,
    )
    return device, issued.text


def authenticate(
    authorization: str | None, *, clock: Clock, allow_pending: bool = False
) -> SyncDevice:
    scheme, _, text = (authorization or "").partition(" ")
    parsed = parse_token(text.strip()) if scheme.lower() == "bearer" else None
    if parsed is None or parsed.kind != SYNC_DEVICE:
        raise UnauthorizedError()
    device = SyncDevice.objects.select_related("account").filter(lookup=parsed.lookup).first()
    if device is None or not digest_matches(parsed.text, device.token_digest):
        raise UnauthorizedError()
    if not device.account.verified and not allow_pending:
        raise UnverifiedError()
    now = clock()
    if now - device.last_seen_at > SEEN_GRANULARITY:
        SyncDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now
    return device


def list_devices(current: SyncDevice) -> list[dict[str, Any]]:
    rows = SyncDevice.objects.filter(account_id=current.account_id).order_by("created_at", "pk")
    return [
        {
            "id": row.lookup,
            "name": row.name,
            "created_at": row.created_at,
            "last_seen_at": row.last_seen_at,
            "current": row.pk == current.pk,
        }
        for row in rows
    ]


def revoke(current: SyncDevice, device_id: object, *, clock: Clock, address: str | None) -> None:
    if not isinstance(device_id, str):
        raise NotFoundError()
    deleted, _ = SyncDevice.objects.filter(account_id=current.account_id, lookup=device_id).delete()
    if not deleted:
        raise NotFoundError()
    record(
        SyncEvents.DEVICE_REVOKED,
        clock=clock,
        address=address,
        sync_account=current.account_id,
        device=device_id,
        by_device=current.lookup,
    )
