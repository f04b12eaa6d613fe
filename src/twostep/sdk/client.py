"""The synchronous client: :class:`Client`. :class:`twostep.sdk.AsyncClient` has the same
methods as coroutines (a test keeps them in step).

::

    from twostep.sdk import Client

    with Client("https://2fa.example.com", api_key=os.environ["TWOSTEP_API_KEY"]) as twostep:
        if twostep.verify("123456", username="alice").valid:
            ...

Every call sends ``Authorization: Bearer <api_key>``; 429 and 503 answers are retried
honouring ``Retry-After`` (see :class:`RetryPolicy`) within the call's deadline; a request met
by a connection reset before any answer goes once more on a fresh connection; errors raise the
exceptions of :mod:`twostep.sdk.errors`.
"""

from __future__ import annotations

import time
from typing import TypeVar

import httpx

from ._admin_methods import AdminMethods
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
    read,
    transport_error,
    unanswered,
)
from ._directory_methods import DirectoryMethods
from ._signin_methods import SignInMethods
from ._transport import DEADLINE, sync_client
from ._user_methods import UserMethods
from ._verify_methods import VerifyMethods
from ._webhook_methods import WebhookMethods
from .applications import ApplicationsMethods

__all__ = ["Client"]

T = TypeVar("T")


class Client(
    VerifyMethods,
    UserMethods,
    DirectoryMethods,
    AdminMethods,
    SignInMethods,
    WebhookMethods,
    ApplicationsMethods,
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
    ``http_client`` lets you bring your own :class:`httpx.Client` (proxies, TLS settings; the
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
        http_client: httpx.Client | None = None,
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
            self._http = sync_client(self._timeout, self._connections)
        else:
            self._timeout = as_timeout(timeout, http_client.timeout)
            self._http = http_client

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, call: Call[T], deadline: float | _Default | None = _DEFAULT) -> T:
        clock = Deadline(self.deadline if isinstance(deadline, _Default) else deadline)
        token = DEADLINE.set(clock.end)
        try:
            return self._attempts(call, clock)
        finally:
            DEADLINE.reset(token)

    def _attempts(self, call: Call[T], clock: Deadline) -> T:
        attempt = 0
        resent = False
        while True:
            request = build_request(
                self._http, call, self.base_url, self._headers, clock.timeout(self._timeout)
            )
            try:
                response = self._http.send(request, stream=True)
            except httpx.HTTPError as exc:
                if not resent and unanswered(exc) and not clock.passed():
                    resent = True  # once, on a fresh connection
                    self._connections.retire()
                    continue
                raise transport_error(call, exc, clock) from exc
            response = self._read(call, request, response, clock)
            wait = self.retry.delay(response, attempt, clock.left())
            if wait is None:
                return read(call, response)
            attempt += 1
            time.sleep(wait)

    def _read(
        self, call: Call[T], request: httpx.Request, response: httpx.Response, clock: Deadline
    ) -> httpx.Response:
        """The whole answer, within the deadline (checked after each piece that comes)."""
        if response.is_stream_consumed:  # read already (a transport that does not stream)
            return response
        chunks = []
        try:
            for chunk in response.iter_raw():
                chunks.append(chunk)
                clock.check(request)
        except httpx.HTTPError as exc:
            raise transport_error(call, exc, clock) from exc
        finally:
            response.close()
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=b"".join(chunks),
            request=request,
        )
