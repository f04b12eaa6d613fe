"""What the sync and async clients share: the description of each call (:class:`Call`), the
checks of what they are given, the deadline and retry rules, and reading answers and errors.
No I/O here."""

from __future__ import annotations

import email.utils
import enum
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from .errors import ApiError, RequestError, ServerError, TransportError, error_for

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
DEFAULT_DEADLINE = 10.0
DEFAULT_VERIFY_DEADLINE = 5.0
# A retry wait is taken only if at least this much of the deadline is left after it.
DEADLINE_MARGIN = 0.25
RETRY_STATUSES = frozenset({429, 503})
USER_AGENT = "twostep-sdk/0.1 (python)"


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API call: method, path under ``/api/v1``, query, JSON body, how to read the answer,
    and the token to send instead of the client's (access tokens of first-party clients)."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: dict[str, Any] | None = None
    body: Any = None
    token: str | None = None

    def request_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.params:
            kwargs["params"] = {k: _query_value(v) for k, v in self.params.items() if v is not None}
        if self.body is not None:
            kwargs["content"] = json.dumps(self.body).encode("utf-8")
            kwargs["headers"] = {"Content-Type": "application/json"}
        if self.token is not None:
            token = _header_token(self.token)
            if token is None:
                raise RequestError(
                    f"{self.method} {self.path}: the access token has a character that cannot "
                    "be sent in an HTTP header (the token is not shown)"
                )
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {token}"
        return kwargs


def _header_token(value: str) -> str | None:
    """``value`` without surrounding whitespace if the rest is visible ASCII, else None."""
    value = value.strip()
    if value and all("\x21" <= ch <= "\x7e" for ch in value):
        return value
    return None


def check_api_key(api_key: str | None) -> str | None:
    """The key to send: surrounding whitespace removed (a key read from a file keeps its
    newline). Anything else HTTP cannot carry is a ValueError that does not show the key."""
    if api_key is None:
        return None
    if not isinstance(api_key, str):
        raise TypeError(f"api_key must be a str or None, not {type(api_key).__name__}")
    key = _header_token(api_key)
    if key is None:
        if not api_key.strip():
            raise ValueError("api_key is empty (pass None to use only the sign-in endpoints)")
        position = next(i for i, ch in enumerate(api_key.strip()) if not "\x21" <= ch <= "\x7e")
        raise ValueError(
            f"api_key has a character at position {position} that cannot be sent in an HTTP "
            "header (a space, a control or a non-ASCII character; keys made by `twostep "
            "apikeys create` are letters, digits, '_' and '-'). The key is not shown here."
        )
    return key


def check_base_url(base_url: str) -> str:
    """``base_url`` + ``/api/v1``, or a ValueError for anything but an http(s) address."""
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str, not {type(base_url).__name__}")
    try:
        url = httpx.URL(base_url.strip())
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise ValueError(f"base_url is not a valid URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(
            "base_url must be the server's http:// or https:// address, "
            "e.g. https://2fa.example.com"
        )
    if url.port is not None and not 0 < url.port < 65536:
        raise ValueError(f"base_url has port {url.port}; a port is 1 to 65535")
    if url.query or url.fragment:
        raise ValueError("base_url must not have a query or a fragment")
    return str(url).rstrip("/") + "/api/v1"


def check_deadline(name: str, seconds: float | None) -> float | None:
    if seconds is not None and not seconds > 0:
        raise ValueError(f"{name} must be a number of seconds above 0, or None")
    return seconds


def as_timeout(timeout: float | httpx.Timeout | None, default: httpx.Timeout) -> httpx.Timeout:
    if timeout is None:
        return default
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


class _Default(enum.Enum):
    DEFAULT = "DEFAULT"


_DEFAULT = _Default.DEFAULT
"""A call's deadline when the method does not name one: the client's ``deadline``."""


class Deadline:
    """When one call must be over (``end`` on ``time.monotonic()``; None: never)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.end = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float | None:
        return None if self.end is None else self.end - time.monotonic()

    def passed(self) -> bool:
        left = self.left()
        return left is not None and left <= 0

    def timeout(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """``timeout`` with each part cut to the time left."""
        left = self.left()
        if left is None:
            return timeout
        left = max(left, 0.001)

        def cut(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=cut(timeout.connect),
            read=cut(timeout.read),
            write=cut(timeout.write),
            pool=cut(timeout.pool),
        )

    def check(self, request: httpx.Request) -> None:
        if self.passed():
            raise httpx.ReadTimeout("the call's deadline passed", request=request)


def build_request(
    http: httpx.Client | httpx.AsyncClient,
    call: Call[Any],
    base_url: str,
    headers: dict[str, str],
    timeout: httpx.Timeout,
) -> httpx.Request:
    """The request of ``call``; RequestError if HTTP cannot carry its arguments."""
    kwargs = call.request_kwargs()
    headers = {**headers, **kwargs.pop("headers", {})}
    try:
        return http.build_request(
            call.method, base_url + call.path, headers=headers, timeout=timeout, **kwargs
        )
    except httpx.InvalidURL as exc:
        raise RequestError(f"{call.method} {call.path}: cannot be sent: {exc}") from None
    except UnicodeError:
        raise RequestError(
            f"{call.method} {call.path}: cannot be sent: an argument is not valid Unicode text "
            "(a lone surrogate)"
        ) from None


def unanswered(exc: httpx.HTTPError) -> bool:
    """Whether the connection was reset or closed before any answer came (a kept-alive
    connection the server closed meanwhile, or after refusing a request too large): the
    request was not processed, and may go once more on a fresh connection."""
    if isinstance(exc, httpx.RemoteProtocolError):
        return "without sending a response" in str(exc)
    return isinstance(exc, httpx.ReadError | httpx.WriteError)


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.replace("+00:00", "Z")
    return value


@dataclass(frozen=True)
class RetryPolicy:
    """Retry 429 and 503 answers at most ``max_retries`` times, waiting what ``Retry-After``
    says (1 second when absent), but never more than ``max_wait`` seconds for one wait: a longer
    wait is raised at once as :class:`ThrottledError` (with ``retry_after``)."""

    max_retries: int = 2
    max_wait: float = 10.0

    def delay(
        self, response: httpx.Response, attempt: int, left: float | None = None
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up and raise (also when
        the wait would end less than ``DEADLINE_MARGIN`` before the call's deadline, ``left``
        seconds away)."""
        if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
            return None
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        wait = 1.0 if wait is None else wait
        if wait > self.max_wait or (left is not None and wait + DEADLINE_MARGIN > left):
            return None
        return wait


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def raise_for_error(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        retry_after = data.get("retry_after")
        if retry_after is None:
            header = retry_after_seconds(response.headers.get("Retry-After"))
            retry_after = math.ceil(header) if header is not None else None
        raise error_for(
            response.status_code,
            data["code"],
            str(data.get("message", "")),
            field=data.get("field"),
            retry_after=retry_after,
            errors=data.get("errors") if isinstance(data.get("errors"), list) else None,
        )
    status = response.status_code
    message = f"HTTP {status} from {response.request.url} without a twostep error body"
    if status >= 500:
        raise ServerError(status, f"http_{status}", message)
    raise error_for(status, f"http_{status}", message)


def read(call: Call[T], response: httpx.Response) -> T:
    raise_for_error(response)
    if response.status_code == 204 or not response.content:
        return call.parse(None)
    try:
        data = response.json()
    except ValueError as exc:
        raise TransportError(
            f"{call.method} {call.path}: the answer is not JSON ({response.status_code})"
        ) from exc
    try:
        return call.parse(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise TransportError(
            f"{call.method} {call.path}: unexpected answer ({type(exc).__name__}: {exc})"
        ) from exc


def transport_error(
    call: Call[Any], exc: httpx.HTTPError, deadline: Deadline | None = None
) -> TransportError:
    where = f"{call.method} {call.path}"
    if deadline is not None and deadline.passed():
        return TransportError(f"{where} timed out: its deadline of {deadline.seconds:g} s passed")
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    # A protocol error about our own request would quote it (headers included): name it only.
    detail = "" if isinstance(exc, httpx.LocalProtocolError) else f": {exc}"
    error = TransportError(f"{where} {kind}: {type(exc).__name__}{detail}")
    error.__cause__ = exc
    return error


def deadline_error(call: Call[Any], deadline: Deadline) -> TransportError:
    return TransportError(
        f"{call.method} {call.path} timed out: its deadline of {deadline.seconds:g} s passed"
    )


def nothing(_: Any) -> None:
    return None


__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_TIMEOUT",
    "DEFAULT_VERIFY_DEADLINE",
    "USER_AGENT",
    "_DEFAULT",
    "ApiError",
    "Call",
    "Deadline",
    "RetryPolicy",
    "_Default",
    "as_timeout",
    "build_request",
    "check_api_key",
    "check_base_url",
    "check_deadline",
    "deadline_error",
    "nothing",
    "raise_for_error",
    "read",
    "retry_after_seconds",
    "transport_error",
    "unanswered",
]
