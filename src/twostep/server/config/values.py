"""The building blocks of reading a variable: the error that names it, yes/no words, lists,
networks."""

from __future__ import annotations

import ipaddress

__all__ = ["FALSE", "TRUE", "ConfigError", "networks", "split"]

TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})


class ConfigError(ValueError):
    """A configuration value cannot be used; the message says which variable and why."""


def split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def networks(value: str | None, variable: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks (``127.0.0.1``, ``10.0.0.0/8``, ``::1``), each
    written as its network; raises :class:`ConfigError` naming the one that is not."""
    found: list[str] = []
    for item in split(value):
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(
                f"{variable}: {item!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(found)
