"""The connections of the clients the SDK makes itself: httpx with a network backend that

- cuts every connect, read and write at the current call's deadline (a server that drips a byte
  at a time would otherwise hold a call for as long as each byte comes within the read timeout);
- can retire every pooled connection at once (:meth:`Connections.retire`), so that the one
  retry after a connection reset goes out on a fresh connection, not on another stale one.

Both go through httpcore's network backend interface; httpx takes no backend argument, so the
backend is put in place of the default one of the pool it made (:func:`_install`).
"""

from __future__ import annotations

import contextvars
import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "twostep_sdk_deadline", default=None
)
"""``time.monotonic()`` by which the current call must be over (None: no deadline)."""

# Shorter than the idle time after which servers close a kept-alive connection (gunicorn as
# `twostep serve` runs it: 5 s), so the client drops it first instead of racing the server.
KEEPALIVE_EXPIRY = 4.0
LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY
)


def _clip(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


class Connections:
    """What the backends of one client share: the generation of its connections."""

    def __init__(self) -> None:
        self.generation = 0

    def retire(self) -> None:
        """Make every connection made so far look closed to the pool, which then drops it
        instead of sending the next request on it."""
        self.generation += 1


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, owner: Connections) -> None:
        self._stream = stream
        self._owner = owner
        self._generation = owner.generation

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(
            ssl_context, server_hostname, _clip(timeout, httpcore.ConnectTimeout)
        )
        return _Stream(tls, self._owner)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._generation != self._owner.generation:
            return True  # retired: the pool treats it as closed by the server
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend, owner: Connections) -> None:
        self._backend = backend
        self._owner = owner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _clip(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _Stream(stream, self._owner)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_unix_socket(
            path, _clip(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _Stream(stream, self._owner)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _AsyncStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream, owner: Connections) -> None:
        self._stream = stream
        self._owner = owner
        self._generation = owner.generation

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, _clip(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, _clip(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        tls = await self._stream.start_tls(
            ssl_context, server_hostname, _clip(timeout, httpcore.ConnectTimeout)
        )
        return _AsyncStream(tls, self._owner)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._generation != self._owner.generation:
            return True
        return self._stream.get_extra_info(info)


class _AsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, backend: httpcore.AsyncNetworkBackend, owner: Connections) -> None:
        self._backend = backend
        self._owner = owner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(
            host, port, _clip(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _AsyncStream(stream, self._owner)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_unix_socket(
            path, _clip(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _AsyncStream(stream, self._owner)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _install(transport: object, wrap: Any) -> bool:
    """Put our backend around the one of ``transport``'s pool; False if httpx changed shape
    (the clients then still keep the deadline between reads, only less tightly)."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None:
        return False
    pool._network_backend = wrap(backend)  # type: ignore[union-attr]
    return True


def sync_client(timeout: httpx.Timeout, owner: Connections) -> httpx.Client:
    # httpx's own transport (proxies and TLS settings from the environment as usual), with
    # our backend in it; the connections to a proxy keep httpx's.
    http = httpx.Client(timeout=timeout, limits=LIMITS)
    _install(getattr(http, "_transport", None), lambda backend: _Backend(backend, owner))
    return http


def async_client(timeout: httpx.Timeout, owner: Connections) -> httpx.AsyncClient:
    http = httpx.AsyncClient(timeout=timeout, limits=LIMITS)
    _install(getattr(http, "_transport", None), lambda backend: _AsyncBackend(backend, owner))
    return http


__all__ = ["DEADLINE", "KEEPALIVE_EXPIRY", "Connections", "async_client", "sync_client"]
