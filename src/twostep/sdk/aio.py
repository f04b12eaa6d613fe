"""The asynchronous client: :class:`AsyncClient`, the methods of :class:`twostep.sdk.Client`
as coroutines (a test keeps the two in step).

::

    from twostep.sdk import AsyncClient

    async with AsyncClient("https://2fa.example.com", api_key=KEY) as twostep:
        if (await twostep.verify("123456", username="alice")).valid:
            ...

Every call sends ``Authorization: Bearer <api_key>``; 429 and 503 answers are retried
honouring ``Retry-After`` (see :class:`RetryPolicy`); errors raise the exceptions of
:mod:`twostep.sdk.errors`.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

import httpx

from ._admin_methods import AsyncAdminMethods
from ._core import (
    _DEFAULT,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    DEFAULT_VERIFY_DEADLINE,
    Call,
    Deadline,
    _Default,
    as_timeout,
    build_request,
    deadline_error,
    read,
    transport_error,
    unanswered,
)
from ._directory_methods import AsyncDirectoryMethods
from ._signin_methods import AsyncSignInMethods
from ._transport import DEADLINE, async_client
from ._user_methods import AsyncUserMethods
from ._verify_methods import AsyncVerifyMethods
from ._webhook_methods import AsyncWebhookMethods
from .applications import AsyncApplicationsMethods

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient(
    AsyncVerifyMethods,
    AsyncUserMethods,
    AsyncDirectoryMethods,
    AsyncAdminMethods,
    AsyncSignInMethods,
    AsyncWebhookMethods,
    AsyncApplicationsMethods,
):
    """A client of one twostep server's API.

    ``base_url`` is the server's address (``https://2fa.example.com``; ``/api/v1`` is added);
    ``api_key`` is a key made with ``twostep apikeys create`` (None for the sign-in endpoints
    only; surrounding whitespace is removed, any other space, control or non-ASCII character
    is a ``ValueError`` that does not show the key); ``timeout`` bounds each step (seconds or
    an :class:`httpx.Timeout`; default 5 s to connect, 10 s for each read or write);
    ``deadline`` bounds a whole call, its retries and waits included (default 10 s),
    ``verify_deadline`` a call of :meth:`verify` (default 5 s; None: no deadline);
    ``max_retries`` and ``max_retry_wait`` bound the retries of 429/503 answers;
    ``http_client`` lets you bring your own :class:`httpx.AsyncClient` (proxies, TLS settings; the
    SDK will not close it; the deadline is then checked between the pieces of an answer,
    which a server sending headers byte by byte can stretch by up to ``timeout``).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
        verify_deadline: float | None = DEFAULT_VERIFY_DEADLINE,
        max_retries: int = 2,
        max_retry_wait: float = 10.0,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self._configure(
            base_url,
            api_key,
            deadline=deadline,
            verify_deadline=verify_deadline,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
        )
        self._owns_http = http_client is None
        if http_client is None:
            self._timeout = as_timeout(timeout, DEFAULT_TIMEOUT)
            self._http = async_client(self._timeout, self._connections)
        else:
            self._timeout = as_timeout(timeout, http_client.timeout)
            self._http = http_client

    def __repr__(self) -> str:
        return f"AsyncClient({self.base_url!r})"

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _call(self, call: Call[T], deadline: float | _Default | None = _DEFAULT) -> T:
        clock = Deadline(self.deadline if isinstance(deadline, _Default) else deadline)
        token = DEADLINE.set(clock.end)
        try:
            async with asyncio.timeout(clock.left()):
                return await self._attempts(call, clock)
        except TimeoutError as exc:
            raise deadline_error(call, clock) from exc
        finally:
            DEADLINE.reset(token)

    async def _attempts(self, call: Call[T], clock: Deadline) -> T:
        attempt = 0
        resent = False
        while True:
            request = build_request(
                self._http, call, self.base_url, self._headers, clock.timeout(self._timeout)
            )
            try:
                response = await self._http.send(request, stream=True)
            except httpx.HTTPError as exc:
                if not resent and unanswered(exc) and not clock.passed():
                    resent = True  # once, on a fresh connection
                    self._connections.retire()
                    continue
                raise transport_error(call, exc, clock) from exc
            response = await self._read(call, request, response, clock)
            wait = self.retry.delay(response, attempt, clock.left())
            if wait is None:
                return read(call, response)
            attempt += 1
            await asyncio.sleep(wait)

    async def _read(
        self, call: Call[T], request: httpx.Request, response: httpx.Response, clock: Deadline
    ) -> httpx.Response:
        """The whole answer, within the deadline (checked after each piece that comes)."""
        if response.is_stream_consumed:  # read already (a transport that does not stream)
            return response
        chunks = []
        try:
            async for chunk in response.aiter_raw():
                chunks.append(chunk)
                clock.check(request)
        except httpx.HTTPError as exc:
            raise transport_error(call, exc, clock) from exc
        finally:
            await response.aclose()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=b"".join(chunks),
            request=request,
        )
