"""How many sync accounts and devices exist, for the console: counts only, never an address or
what a vault holds."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum

from .models import SyncAccount, SyncDevice, SyncVault


@dataclass(frozen=True)
class SyncCounts:
    mode: str
    domains: tuple[str, ...]
    accounts: int
    pending: int
    devices: int
    stored_bytes: int
    limit_bytes: int


def counts() -> SyncCounts:
    verified = SyncAccount.objects.filter(verified=True)
    return SyncCounts(
        mode=settings.TWOSTEP_SYNC,
        domains=tuple(settings.TWOSTEP_SYNC_DOMAINS),
        accounts=verified.count(),
        pending=SyncAccount.objects.filter(verified=False).count(),
        devices=SyncDevice.objects.filter(account__verified=True).count(),
        stored_bytes=SyncVault.objects.aggregate(total=Sum("size"))["total"] or 0,
        limit_bytes=int(settings.TWOSTEP_SYNC_MAX_BYTES),
    )
