"""The per-network lane: password and code failures from one client network.

``address`` (per client IPv4 address or IPv6 /64): :func:`address_delay` (n) = 0 for the first
20 failures, then min(2^(n-20), 300) s. The count starts again after an hour without failures
(not on a success: anyone with an account of their own could clear it). Kept in Redis when
``TWOSTEP_REDIS_URL`` is set (keys expire after an hour), else in the database (the
``Throttle`` row of the lane, as the account lanes of :mod:`.throttle` keep theirs).

Functions: ``check_address(address, *, clock)``, ``fail_address(address, *, clock)``,
``network_of(address) -> str | None``, ``address_delay(failures) -> int``.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from django.conf import settings

from .. import metrics
from ..clock import Clock
from ..errors import ThrottledError
from .models import Throttle
from .rows import CODE_DELAY_CAP, lane_row, seconds_until

__all__ = [
    "ADDRESS_FREE_FAILURES",
    "ADDRESS_MEMORY",
    "address_delay",
    "check_address",
    "fail_address",
    "network_of",
]

ADDRESS_FREE_FAILURES: Final = 20
ADDRESS_MEMORY: Final = timedelta(hours=1)


def address_delay(failures: int) -> int:
    if failures <= ADDRESS_FREE_FAILURES:
        return 0
    return min(int(2 ** min(failures - ADDRESS_FREE_FAILURES, 20)), CODE_DELAY_CAP)


def network_of(address: str | None) -> str | None:
    """The throttling key of a client address: the IPv4 address, or the IPv6 /64."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


_redis_client: Any = None


def _redis() -> Any:
    global _redis_client  # noqa: PLW0603 - one connection pool per process
    url = getattr(settings, "TWOSTEP_REDIS_URL", None)
    if not url:
        return None
    if _redis_client is None or getattr(_redis_client, "_twostep_url", None) != url:
        import redis

        _redis_client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        _redis_client._twostep_url = url
    return _redis_client


def _redis_key(network: str) -> str:
    return f"twostep:throttle:address:{network}"


def check_address(address: str | None, *, clock: Clock) -> None:
    """Raise :class:`ThrottledError` when the client network must wait."""
    network = network_of(address)
    if network is None:
        return
    now = clock()
    client = _redis()
    if client is not None:
        raw = client.hget(_redis_key(network), "next")
        if raw is not None:
            until = datetime.fromtimestamp(float(raw), UTC)
            if until > now:
                metrics.throttled(Throttle.ADDRESS)
                raise ThrottledError(seconds_until(until, now))
        return
    row = Throttle.objects.filter(scope=Throttle.ADDRESS, key=network).first()
    if row is not None and row.next_attempt_at > now:
        metrics.throttled(Throttle.ADDRESS)
        raise ThrottledError(seconds_until(row.next_attempt_at, now))


def fail_address(address: str | None, *, clock: Clock) -> None:
    network = network_of(address)
    if network is None:
        return
    now = clock()
    client = _redis()
    if client is not None:
        key = _redis_key(network)
        failures = int(client.hincrby(key, "failures", 1))
        until = now + timedelta(seconds=address_delay(failures))
        pipe = client.pipeline()
        pipe.hset(key, "next", until.timestamp())
        pipe.expire(key, int(ADDRESS_MEMORY.total_seconds()))
        pipe.execute()
        return
    row = lane_row(Throttle.ADDRESS, network, None)
    for _ in range(5):
        stale = row.last_failure_at is None or row.last_failure_at < now - ADDRESS_MEMORY
        failures = 1 if stale else row.failures + 1
        updated = Throttle.objects.filter(pk=row.pk, failures=row.failures).update(
            failures=failures,
            next_attempt_at=max(
                row.next_attempt_at, now + timedelta(seconds=address_delay(failures))
            ),
            last_failure_at=now,
        )
        if updated:
            return
        row = Throttle.objects.get(pk=row.pk)
