"""The address ``twostep serve`` listens on, as the base URL when none is configured, and
whether a configured one would lead mail's links elsewhere."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from . import Config

__all__ = [
    "DEFAULT_BASE_URL",
    "LOCAL_HOSTS",
    "SERVED_URL_VARIABLE",
    "served_url",
    "served_url_problem",
]

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
#: Set by ``twostep serve`` (only when ``TWOSTEP_BASE_URL`` is not) before the settings load:
#: the address it listens on, so that links in mail lead to the port actually served.
SERVED_URL_VARIABLE = "TWOSTEP_SERVED_URL"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def served_url(host: str, port: int) -> str:
    """The URL of a server listening on ``host`` and ``port``, without a trailing slash: the
    base URL when ``TWOSTEP_BASE_URL`` is not set. A server on every address (``0.0.0.0``,
    ``::``) is reached on this machine at 127.0.0.1 (elsewhere only by a name that only
    ``TWOSTEP_BASE_URL`` can give)."""
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 - a name for it, not a bind
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def served_url_problem(config: Config, host: str, port: int) -> str | None:
    """Why links in mail would not reach a server listening on ``host`` and ``port``, or None.

    Only a base URL on this machine (127.0.0.1, localhost, ::1) can be compared: a public one
    is usually a reverse proxy's, in front of whatever port twostep listens on."""
    if config.base_url_source != "TWOSTEP_BASE_URL":
        return None  # `twostep serve` uses the address it listens on
    base = urlsplit(config.base_url)
    if base.hostname not in LOCAL_HOSTS:
        return None
    base_port = base.port or (443 if base.scheme == "https" else 80)
    if base_port == port:
        return None
    return (
        f"TWOSTEP_BASE_URL is {config.base_url} but the server listens on port {port}: links "
        f"in mail would lead to port {base_port}. Set TWOSTEP_BASE_URL to "
        f"{served_url(host, port)} (or unset it: the served address is then used)."
    )
