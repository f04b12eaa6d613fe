"""What every throttling lane shares: its row in the ``Throttle`` table and the wait in seconds.

Used by the account lanes (:mod:`.throttle`) and the per-network lane (:mod:`.network`).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Final

from django.db import IntegrityError, transaction
from django.db.models import Model

from .models import Throttle

__all__ = ["CODE_DELAY_CAP", "lane_row", "seconds_until"]

#: The longest delay of the code, password, device and address lanes, in seconds.
CODE_DELAY_CAP: Final = 300
_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)


def seconds_until(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def lane_row(lane: str, key: str, user: Model | None) -> Throttle:
    # A plain read first: the row exists for every account that has ever tried, and
    # get_or_create would wrap even that read in a transaction (BEGIN/COMMIT round trips).
    row = Throttle.objects.filter(scope=lane, key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            row, _ = Throttle.objects.get_or_create(
                scope=lane, key=key, defaults={"user": user, "next_attempt_at": _EPOCH}
            )
    except IntegrityError:  # created by a concurrent request between the get and the insert
        row = Throttle.objects.get(scope=lane, key=key)
    return row
