"""Which peer's ``X-Forwarded-*`` headers count, and so which address is the client's.

- ``from_trusted_proxy(meta) -> bool``: the request came straight from a trusted proxy
  (``REMOTE_ADDR`` in ``TWOSTEP_TRUSTED_PROXIES``); with no list set, any peer while
  ``TWOSTEP_PROXY_COUNT`` > 0 (the older setting, which trusts whoever connects);
- ``client_address(meta) -> str | None``: ``REMOTE_ADDR``, or behind trusted proxies the address
  the nearest untrusted hop of ``X-Forwarded-For`` gave (walked from the right: the proxies
  append, so only the right end is theirs; whatever a client wrote on the left is ignored);
  with only ``TWOSTEP_PROXY_COUNT`` = N, the N-th address from the right.

A request that does not come from a trusted proxy is judged by its own address: a client that
reaches a twostep instance directly cannot choose the address its throttle counts against.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import cache
from typing import Any

from django.conf import settings

__all__ = ["client_address", "from_trusted_proxy", "is_in"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def is_in(address: str | None, spec: tuple[str, ...]) -> bool:
    """True when ``address`` is in one of the networks written in ``spec``."""
    if not address or not spec:
        return False
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in _networks(spec))


def _trusted() -> tuple[str, ...]:
    return tuple(getattr(settings, "TWOSTEP_TRUSTED_PROXIES", ()) or ())


def _count() -> int:
    return int(getattr(settings, "TWOSTEP_PROXY_COUNT", 0) or 0)


def from_trusted_proxy(meta: Mapping[str, Any]) -> bool:
    trusted = _trusted()
    if trusted:
        return is_in(meta.get("REMOTE_ADDR"), trusted)
    return _count() > 0


def client_address(meta: Mapping[str, Any]) -> str | None:
    address = str(meta.get("REMOTE_ADDR") or "")
    if from_trusted_proxy(meta):
        hops = [h.strip() for h in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
        hops = [h for h in hops if h]
        trusted = _trusted()
        if trusted:
            # From the right: skip our own proxies; the first other hop is the client.
            for hop in reversed(hops):
                address = hop
                if not is_in(hop, trusted):
                    break
        elif len(hops) >= _count():
            address = hops[-_count()]
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None
