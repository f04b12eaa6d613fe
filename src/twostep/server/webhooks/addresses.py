"""Where a webhook delivery may go: public addresses only, so a webhook cannot probe the
server's own network (SSRF).

Refused: private (``10/8``, ``172.16/12``, ``192.168/16``, ``fc00::/7``...), shared
(``100.64/10``), link-local (``169.254/16``: cloud metadata services; ``fe80::/10``),
loopback (``127/8``, ``::1``) unless the URL names ``localhost``, ``127.0.0.1`` or ``::1``
itself, multicast, unspecified and reserved addresses, and IPv4 addresses written as IPv6
(``::ffff:10.0.0.1``) as the IPv4 address. ``TWOSTEP_WEBHOOKS_ALLOW_PRIVATE=1`` allows every
address (receivers on a private network).

- ``check_literal(host)``: at subscription time, a host written as an address (``10.0.0.5``,
  ``[fd00::1]``, ``2130706433``) that is refused raises ``InvalidUserDataError``; names are
  resolved only when delivering (what they resolve to may change);
- ``pin(url) -> Pinned`` at delivery time: resolves the host, refuses (:class:`RefusedAddress`)
  when any of its addresses is refused, and gives the URL with the host replaced by the first
  address, the ``Host`` header and the TLS server name, so the request connects to the address
  that was checked (no second resolution that could answer otherwise: DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import httpx
from django.conf import settings

from ..errors import InvalidUserDataError

__all__ = ["LOCAL_HOSTS", "Pinned", "RefusedAddress", "check_literal", "pin", "refusal"]

LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})
_HOW = "TWOSTEP_WEBHOOKS_ALLOW_PRIVATE=1 allows it"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[tuple[Any, ...]]]


class RefusedAddress(Exception):
    """The URL's host resolves to an address deliveries may not go to (or to none)."""


@dataclass(frozen=True)
class Pinned:
    url: str  # the URL with the checked address as its host
    host: str  # the Host header: the URL's host (and port) as written
    server_name: str | None  # for TLS (SNI and the certificate's check); None for http


def private_allowed() -> bool:
    return bool(getattr(settings, "TWOSTEP_WEBHOOKS_ALLOW_PRIVATE", False))


def refusal(address: Address, *, named_local: bool = False) -> str | None:
    """Why deliveries may not go to ``address`` (None: they may); ``named_local``: the URL
    itself names localhost, 127.0.0.1 or ::1."""
    if private_allowed():
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if named_local else f"{address} is a loopback address"
    for kind, found in (
        ("an unspecified", address.is_unspecified),
        ("a multicast", address.is_multicast),
        ("a link-local", address.is_link_local),
        ("a reserved", address.is_reserved),
        ("a private", address.is_private),
        ("a non-public", not address.is_global),
    ):
        if found:
            return f"{address} is {kind} address"
    return None


def _numeric(host: str) -> Address | None:
    """``host`` as the address the system would read it as (``127.1``, ``2130706433`` and
    ``0x7f.1`` too), without asking DNS; None for a name."""
    try:
        info = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return ipaddress.ip_address(str(info[0][4][0]).split("%", 1)[0])


def check_literal(host: str) -> None:
    address = _numeric(host)
    if address is None:
        return
    why = refusal(address, named_local=host in LOCAL_HOSTS)
    if why:
        raise InvalidUserDataError(
            "url",
            f"Webhooks go to public addresses only: {why} ({_HOW}, for receivers on a "
            "private network).",
        )


def pin(url: str, *, resolve: Resolver = socket.getaddrinfo) -> Pinned:
    """``url`` pinned to its host's checked address (``resolve``: ``socket.getaddrinfo``)."""
    parts = httpx.URL(url)
    host = parts.raw_host.decode("ascii").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress(f"{host} does not resolve: {exc}") from None
    addresses: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise RefusedAddress(f"{host} resolves to no address")
    for address in addresses:
        why = refusal(address, named_local=host in LOCAL_HOSTS)
        if why:
            raise RefusedAddress(f"{host} resolves to {address}: {why} ({_HOW})")
    literal = _numeric(host) is not None
    return Pinned(
        url=str(parts.copy_with(host=str(addresses[0]))),
        host=parts.netloc.decode("ascii"),
        server_name=host if parts.scheme == "https" and not literal else None,
    )
