"""The base of both clients: the settings they share (address, key, deadlines, retries) and
the one method every API method goes through, ``_call`` (a :class:`~._core.Call` made by
a ``_*_ops.py`` module, sent with retries within its deadline), which :class:`~.client.Client` and
:class:`~.aio.AsyncClient` implement, the one with blocking I/O, the other as a coroutine.
The mixins of ``_*_methods.py`` build on these, so that their results keep their types."""

from __future__ import annotations

from typing import TypeVar

from ._core import (
    _DEFAULT,
    USER_AGENT,
    Call,
    RetryPolicy,
    _Default,
    check_api_key,
    check_base_url,
    check_deadline,
)
from ._transport import Connections

__all__ = ["AsyncCaller", "Caller", "Settings"]

T = TypeVar("T")


class Settings:
    """What both clients are given, checked (the key never shown in an error)."""

    base_url: str
    deadline: float | None
    verify_deadline: float | None
    retry: RetryPolicy

    def _configure(
        self,
        base_url: str,
        api_key: str | None,
        *,
        deadline: float | None,
        verify_deadline: float | None,
        max_retries: int,
        max_retry_wait: float,
    ) -> None:
        self.base_url = check_base_url(base_url)
        key = check_api_key(api_key)
        self.deadline = check_deadline("deadline", deadline)
        self.verify_deadline = check_deadline("verify_deadline", verify_deadline)
        self.retry = RetryPolicy(max_retries=max_retries, max_wait=max_retry_wait)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        self._headers = headers
        self._connections = Connections()


class Caller(Settings):
    def _call(self, call: Call[T], deadline: float | _Default | None = _DEFAULT) -> T:
        """Send ``call`` within ``deadline`` (default: the client's) and read its answer."""
        raise NotImplementedError


class AsyncCaller(Settings):
    async def _call(self, call: Call[T], deadline: float | _Default | None = _DEFAULT) -> T:
        """Send ``call`` within ``deadline`` (default: the client's) and read its answer."""
        raise NotImplementedError
